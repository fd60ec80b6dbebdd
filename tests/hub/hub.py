#!/usr/bin/env python3
"""A local, Hub-shaped server for hfgit's tests: loopback only, standard library only.

    hub.py --root DIR --port-file FILE [--port 0] [--log FILE]
           [--sha1-in-want advertise|default|refuse] [--redirect OLD=NEW ...] [--allow-push]
           [--cdn-port-file FILE] [--cdn-port N] [--cdn-url URL] [--redirect-downloads]
           [--faults FILE.json] [--private ID=TOKEN ...] [--batch-limit N]

Repositories are bare git repos at ROOT/<id>.git, LFS objects live in ROOT/lfs/objects.
Endpoints are registered in a routing table (see build_router); each feature (git smart HTTP,
the LFS batch API, fault control, private repos) lives in its own module and only adds routes
or guards. A second server in the same process, the "CDN" (cdn.py), serves object bytes.
See README.md next to this file.
"""
import argparse
import json
import os
import re
import signal
import socket
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler
from urllib.parse import unquote, urlsplit

sys.dont_write_bytecode = True  # keep the source tree clean
import cdn  # noqa: E402
import faults
import git_http
import lfs
import private
import repo_ids


class Router:
    """Two kinds of routes: repo routes match the part of the path after a repo id (and get a
    404 "Repository not found" when the id has no repo); plain routes match the whole path."""

    def __init__(self):
        self._repo = []    # (method, compiled rest regex, handler)
        self._plain = []   # (method, compiled path regex, handler)
        self.guards = []   # fn(ex) -> True when it answered (e.g. 401); run before repo routes

    def guard(self, fn):
        self.guards.append(fn)

    def repo_route(self, method, rest_regex, handler):
        self._repo.append((method, re.compile(rest_regex), handler))

    def plain_route(self, method, path_regex, handler):
        self._plain.append((method, re.compile(path_regex), handler))

    def match(self, method, path):
        """(handler, RepoPath or regex match) or (None, None)."""
        for m, pattern, handler in self._plain:
            found = pattern.fullmatch(path)
            if found and m == method:
                return handler, found
        patterns = [p for m, p, _ in self._repo if m == method]
        repo = repo_ids.split(path, patterns)
        if repo:
            for m, pattern, handler in self._repo:
                if m == method and pattern.fullmatch(repo.rest):
                    return handler, repo
        return None, None


def build_router():
    router = Router()
    git_http.register(router)
    lfs.register(router)
    faults.register(router)
    private.register(router)
    return router


class RequestLog:
    """One JSON object per request, appended and flushed at once so a test can read the log
    while the hub keeps running."""

    def __init__(self, path):
        self._file = open(path, "a", encoding="utf-8") if path else None
        self._lock = threading.Lock()

    def write(self, record):
        if not self._file:
            return
        line = json.dumps(record, sort_keys=True) + "\n"
        with self._lock:
            self._file.write(line)
            self._file.flush()


class HubHandler(BaseHTTPRequestHandler):
    """Parses a request, finds its route, and gives the route small response helpers that
    always frame the body (Content-Length or chunked), so keep-alive connections stay usable."""

    protocol_version = "HTTP/1.1"
    server_version = "hfgit-test-hub/1"
    # Headers, chunks and the terminator are separate small writes; with Nagle on, a write
    # that follows unacknowledged data waits for the client's delayed ACK (40 ms on Linux).
    disable_nagle_algorithm = True

    def do_GET(self):
        self._dispatch()

    do_POST = do_PUT = do_HEAD = do_DELETE = do_GET

    # --- what route handlers use -----------------------------------------------------------

    @property
    def config(self):
        return self.server.config

    def body(self):
        """The whole request body (Content-Length or chunked), read once."""
        if self._body is None:
            self._body = self._read_body()
            self._bytes_in = len(self._body)
        return self._body

    def body_chunks(self, size=1 << 20):
        """Yields the request body in pieces without holding it all in memory (uploads)."""
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        if self._body is not None or chunked:
            yield self.body()
            return
        left = int(self.headers.get("Content-Length") or 0)
        self._body = b""  # consumed: _dispatch must not drain it again
        while left > 0:
            data = self.rfile.read(min(size, left))
            if not data:
                raise ConnectionResetError("request body ended early")
            left -= len(data)
            self._bytes_in += len(data)
            yield data

    def respond_json(self, status, obj, content_type="application/json", headers=()):
        body = (json.dumps(obj, indent=1, sort_keys=True) + "\n").encode()
        self.respond(status, body, content_type=content_type, headers=headers)

    def respond(self, status, body=b"", content_type="text/plain; charset=utf-8", headers=()):
        self.start_response(status, [("Content-Type", content_type), *headers], length=len(body))
        self.write(body)
        self.end_response()

    def start_response(self, status, headers, length=None):
        """length=None streams the body: chunked on HTTP/1.1, else ended by closing."""
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if length is not None:
            self.send_header("Content-Length", str(length))
        elif self.request_version == "HTTP/1.1":
            self.send_header("Transfer-Encoding", "chunked")
            self._chunked = True
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        # The head stays buffered and leaves with the first piece of the body: one write.
        self._headers_buffer.append(b"\r\n")

    def write(self, data):
        if not data or self.command == "HEAD":
            return
        if self._chunked:
            self.wfile.write(self._take_head() + b"%x\r\n%s\r\n" % (len(data), data))
        else:
            self.wfile.write(self._take_head() + data)
        self._bytes_out += len(data)

    def end_response(self):
        tail = b"0\r\n\r\n" if self._chunked and self.command != "HEAD" else b""
        out = self._take_head() + tail
        if out:
            self.wfile.write(out)
        self._chunked = False
        self.wfile.flush()

    def _take_head(self):
        head = b"".join(getattr(self, "_headers_buffer", []))
        self._headers_buffer = []
        return head

    # --- plumbing ----------------------------------------------------------------------------

    def handle_one_request(self):
        self._quick_ack()
        try:
            super().handle_one_request()
        except (ConnectionResetError, BrokenPipeError, TimeoutError):
            # Clients drop idle keep-alive connections at will; that is not a hub error.
            self.close_connection = True

    def _quick_ack(self):
        """Acknowledge what arrives at once. Clients with Nagle on (libgit2's own HTTP stack)
        send a POST's head and body as two writes, and hold the body until the head is
        acknowledged; a delayed ACK would stall every POST by 40 ms."""
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        except (OSError, AttributeError):
            pass  # not Linux, or the socket is already gone

    def send_response(self, code, message=None):
        self._status = code
        super().send_response(code, message)

    def log_message(self, format, *args):
        pass  # the JSON log replaces the stderr access log

    def _dispatch(self):
        self._status, self._body, self._bytes_in, self._bytes_out = None, None, 0, 0
        self._chunked = False
        url = urlsplit(self.path)
        self.query = url.query
        self.req_path = unquote(url.path)
        try:
            self._route()
            if self._body is None and self._has_body():
                self.body()  # drain it, or the next request on this connection is garbage
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:
            traceback.print_exc()
            if self._status is None:
                self.respond(500, b"Internal hub error\n")
            self.close_connection = True
        finally:
            self._log()

    def _route(self):
        target = repo_ids.redirect_target(self.req_path, self.query, self.config.redirects)
        if target:
            # 307 keeps the method and body, so POSTs to a renamed repo still work.
            self.respond(307, b"Repository moved\n", headers=[("Location", target)])
            return
        status = self.config.lfs.batch_redirect
        if status and self.req_path.endswith("/info/lfs/objects/batch") and \
                "moved=1" not in self.query:
            # A server that moved its batch endpoint: a client must keep the POST.
            self.respond(status, b"Moved\n", headers=[("Location", self.req_path + "?moved=1")])
            return
        handler, found = self.config.router.match(self.command, self.req_path)
        if handler is None:
            self.respond(404, b"Not found\n")
            return
        if isinstance(found, repo_ids.RepoPath):
            self.repo = found
            self.repo_dir = repo_ids.bare_repo_dir(self.config.root, found.repo_id)
            if self.repo_dir is None:
                status = self.config.unknown_repo_status
                headers = [("WWW-Authenticate", 'Basic realm="hfgit test hub"')] \
                    if status == 401 else []
                if found.rest.startswith("info/lfs/"):  # LFS clients want JSON errors
                    self.respond_json(status, {"message": "Repository not found"},
                                      content_type=lfs.LFS_JSON, headers=headers)
                else:
                    self.respond(status, b"Repository not found\n", headers=headers)
                return
            if any(guard(self) for guard in self.config.router.guards):
                return
        else:
            self.match = found
        handler(self)

    def _has_body(self):
        return ("Content-Length" in self.headers and self.headers["Content-Length"] != "0") \
            or "chunked" in self.headers.get("Transfer-Encoding", "").lower()

    def _read_body(self):
        self._quick_ack()
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length)
        if len(data) != length:
            raise ConnectionResetError("request body ended early")
        return data

    def _read_chunked(self):
        parts = []
        while True:
            size_line = self.rfile.readline(1024)
            if not size_line:
                raise ConnectionResetError("chunked body ended early")
            size = int(size_line.split(b";")[0].strip(), 16)
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline(1024)  # CRLF after each chunk

    def _log(self):
        self.server.request_log.write({
            "server": "hub",
            "t": time.time(),
            "method": self.command,
            "path": self.req_path,
            "query": self.query,
            "status": self._status,
            "bytes_in": self._bytes_in,
            "bytes_out": self._bytes_out,
            "range": self.headers.get("Range"),
            "auth": "Authorization" in self.headers,
            "user_agent": self.headers.get("User-Agent"),
            # What a forward proxy or TLS-terminating proxy in between added.
            "via": self.headers.get("Via"),
            "forwarded_proto": self.headers.get("X-Forwarded-Proto"),
        })


class Config:
    def __init__(self, args):
        self.root = os.path.abspath(args.root)
        self.sha1_in_want = args.sha1_in_want
        self.allow_push = args.allow_push
        self.redirects = dict(args.redirect)
        self.router = build_router()
        self.lfs = lfs.LfsConfig(self.root, args)
        self.faults = faults.Faults(faults.load_file(args.faults) if args.faults else [])
        self.private = dict(args.private)
        self.unknown_repo_status = args.unknown_repo_status


def _parse_redirect(text):
    old, sep, new = text.partition("=")
    old, new = old.strip("/"), new.strip("/")
    if not sep or not old or not new:
        raise argparse.ArgumentTypeError("--redirect wants OLD=NEW, got %r" % text)
    return old.removesuffix(".git"), new.removesuffix(".git")


def _parse_private(text):
    repo, sep, token = text.partition("=")
    repo = repo.strip("/").removesuffix(".git")
    if not sep or not repo or not token:
        raise argparse.ArgumentTypeError("--private wants ID=TOKEN, got %r" % text)
    return repo, token


def _parse_optional(text):
    fields = {f for f in text.split(",") if f}
    if "all" in fields:
        return set(lfs.OPTIONAL)
    unknown = fields - set(lfs.OPTIONAL)
    if unknown:
        raise argparse.ArgumentTypeError("--optional: unknown fields %s" % sorted(unknown))
    return fields


def write_port_file(path, port):
    """Write then rename, so a test polling for the file never reads half a number."""
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, path)


def parse_args(argv):
    p = argparse.ArgumentParser(description="Local Hub-shaped git server for hfgit tests")
    p.add_argument("--root", required=True, help="directory holding <id>.git bare repos")
    p.add_argument("--port-file", required=True, help="written with the port once listening")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--log", help="append one JSON line per request here")
    p.add_argument("--sha1-in-want", choices=("advertise", "default", "refuse"),
                   default="default")
    p.add_argument("--redirect", action="append", default=[], metavar="OLD=NEW",
                   type=_parse_redirect, help="answer 307 for repo OLD, pointing at NEW")
    p.add_argument("--allow-push", action="store_true")
    p.add_argument("--cdn-port-file", help="written with the CDN's port once it listens")
    p.add_argument("--cdn-port", type=int, default=0, help="the CDN's port; 0 picks a free one")
    p.add_argument("--cdn-url", help="download hrefs point here (+ /objects/<aa>/<bb>/<oid>) "
                   "instead of the built-in CDN, e.g. an nginx serving ROOT/lfs")
    p.add_argument("--redirect-downloads", action="store_true",
                   help="download hrefs point at the hub's /lfs/download/<oid>, a 302 to the CDN")
    p.add_argument("--faults", metavar="FILE.json", help="initial fault rules (a JSON list)")
    p.add_argument("--private", action="append", default=[], metavar="ID=TOKEN",
                   type=_parse_private, help="repo ID needs this token (Bearer or Basic password)")
    p.add_argument("--batch-limit", type=int, default=1000,
                   help="most objects one batch request may name (more: 413)")
    p.add_argument("--optional", type=_parse_optional, default=set(),
                   help="comma-separated optional batch-answer fields to send (%s, or all); "
                   "default none: a minimal conforming server" % ", ".join(lfs.OPTIONAL))
    p.add_argument("--batch-redirect", type=int, choices=(301, 302, 303, 307, 308),
                   help="the batch endpoint answers this redirect (to itself with ?moved=1)")
    p.add_argument("--unknown-repo-status", type=int, choices=(401, 404), default=404,
                   help="status for a repository that does not exist (the Hub answers "
                   "anonymous requests with 401)")
    return p.parse_args(argv)


POLL_SIGNALS = 0.1  # seconds: how soon a signal another thread received is acted on


def main(argv=None):
    args = parse_args(argv)
    if not os.path.isdir(args.root):
        sys.exit("hub: --root %s is not a directory" % args.root)
    server = cdn.Server(("127.0.0.1", args.port), HubHandler)
    try:
        server.config = Config(args)
    except (OSError, ValueError) as e:
        sys.exit("hub: %s" % e)
    server.request_log = RequestLog(args.log)
    cdn_server = cdn.start(server.config, server.request_log, args.cdn_port)
    server.config.lfs.cdn_base = "http://127.0.0.1:%d" % cdn_server.server_address[1]

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    serving = threading.Thread(target=server.serve_forever, args=(cdn.POLL_INTERVAL,),
                               daemon=True)
    serving.start()
    if args.cdn_port_file:
        write_port_file(args.cdn_port_file, cdn_server.server_address[1])
    write_port_file(args.port_file, server.server_address[1])
    # serve_forever runs in a thread so the signal handler only flags; shutdown() from the
    # serving thread itself would deadlock. The wait is short because Python runs a handler
    # only in the main thread, between bytecodes: a signal the kernel hands to a serving
    # thread wakes nothing, and a long wait would leave the hub serving after its kill.
    while not stop.wait(POLL_SIGNALS):
        pass
    for s in (server, cdn_server):
        s.shutdown()
        s.server_close()
    for path in (args.port_file, args.cdn_port_file):
        try:
            if path:
                os.unlink(path)  # a stale port file would mislead the next hub's waiter
        except FileNotFoundError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
