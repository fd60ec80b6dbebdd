"""The test hub's "CDN": a second HTTP server in the hub's process that serves LFS object bytes.

    GET|HEAD /objects/<oid[0:2]>/<oid[2:4]>/<oid>    (what batch hrefs use: the store's layout)
    GET|HEAD /objects/<oid>                          (the same object, shorter)

It is another origin than the hub (its own port), as the Hub's CDN hosts are: a client must
follow the hub's redirects to it and must not send the hub's Authorization here (the log's
`auth` field shows whether it did). Single byte ranges are honoured (`bytes=a-b`, `a-`, `-n`:
206 with Content-Range, 416 when unsatisfiable); bodies go out with sendfile unless a fault
rule (faults.py) asks for a drop, a corrupted byte, a slow body or a wrong size. A private
repo's objects are only served with the signed query the batch API put in the href.
"""
import gzip
import os
import re
import socket
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

_PATH = re.compile(r"/objects/(?:([0-9a-f]{2})/([0-9a-f]{2})/)?([0-9a-f]{64})")
_RANGE = re.compile(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*")
_PIECE = 1 << 20   # bytes per write when the body is shaped by a fault
POLL_INTERVAL = 0.05  # how soon serve_forever notices shutdown(): hubs stop in a blink


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128   # parallel clients open many connections at once


def start(config, request_log, port=0):
    server = Server(("127.0.0.1", port), CdnHandler)
    server.config = config
    server.request_log = request_log
    threading.Thread(target=server.serve_forever, args=(POLL_INTERVAL,), daemon=True,
                     name="cdn").start()
    return server


def parse_range(value, total):
    """None (serve everything), (first, last) inclusive, or "unsatisfiable".

    Only one range is served; anything else (several ranges, bad syntax) is ignored, as HTTP
    allows, and the whole object is sent with 200."""
    if not value:
        return None
    m = _RANGE.fullmatch(value)
    if not m or (not m.group(1) and not m.group(2)):
        return None
    if not m.group(1):                       # bytes=-n: the last n bytes
        n = int(m.group(2))
        if n == 0 or total == 0:
            return "unsatisfiable"
        return max(0, total - n), total - 1
    first = int(m.group(1))
    last = int(m.group(2)) if m.group(2) else total - 1
    if m.group(2) and last < first:
        return None
    if first >= total:
        return "unsatisfiable"
    return first, min(last, total - 1)


class CdnHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hfgit-test-cdn/1"
    disable_nagle_algorithm = True

    def do_GET(self):
        self._handle(self._serve)

    def do_HEAD(self):
        self._handle(self._serve)

    def do_POST(self):
        self._handle(lambda: self._simple(405, "Method not allowed", [("Allow", "GET, HEAD")]))

    do_PUT = do_DELETE = do_POST

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (ConnectionResetError, BrokenPipeError, TimeoutError):
            self.close_connection = True  # a client dropping an idle keep-alive connection

    def log_message(self, format, *args):
        pass  # the hub's JSON log has every request

    def _handle(self, serve):
        self._status, self._bytes_out, self._faults = None, 0, []
        try:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)  # keep the connection in step
            serve()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:
            traceback.print_exc()
            if self._status is None:
                self._simple(500, "Internal CDN error")
            self.close_connection = True
        finally:
            self._log()

    def send_response(self, code, message=None):
        self._status = code
        super().send_response(code, message)

    def _simple(self, status, text, headers=()):
        body = (text + "\n").encode()
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
            self._bytes_out += len(body)

    def _serve(self):
        cfg = self.server.config
        url = urlsplit(self.path)
        m = _PATH.fullmatch(unquote(url.path))
        oid = m and m.group(3)
        if not m or (m.group(1) and (m.group(1), m.group(2)) != (oid[0:2], oid[2:4])):
            self._simple(404, "Not found")
            return
        reason = cfg.lfs.check_signature(oid, url.query)
        if reason:
            self._simple(403, reason)
            return
        try:
            f = open(cfg.lfs.path(oid), "rb")
        except FileNotFoundError:
            self._simple(404, "Object does not exist")
            return
        with f:
            self._send_object(oid, f)

    def _send_object(self, oid, f):
        faults = self.server.config.faults
        get = self.command == "GET"
        rule = faults.take("status", oid)
        if rule:
            self._faults.append("status")
            headers = [("Retry-After", str(rule["retry_after"]))] if "retry_after" in rule else []
            self._simple(rule["status"], "injected fault: status %d" % rule["status"], headers)
            return
        size = os.fstat(f.fileno()).st_size
        total = size
        rule = faults.take("size", oid)
        if rule:
            self._faults.append("size")
            total = max(0, size + rule["extra"])
        rng = parse_range(self.headers.get("Range"), total)
        if rng == "unsatisfiable":
            self._simple(416, "Range not satisfiable", [("Content-Range", "bytes */%d" % total)])
            return
        first, last = rng if rng else (0, total - 1)
        if rng and first > 0 and faults.take("bad_range", oid):
            # A server that ignores where the range starts (a broken cache in between).
            self._faults.append("bad_range")
            first = 0
        if get and faults.take("gzip", oid):
            self._faults.append("gzip")
            self._send_gzip(f, first, last)
            return
        self.send_response(206 if rng else 200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(last - first + 1))
        if rng:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (first, last, total))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("ETag", '"%s"' % oid)
        self.end_headers()
        if not get or last < first:
            return
        drop = faults.take("drop", oid)
        corrupt = faults.take("corrupt", oid, lambda r: first <= r["offset"] <= last)
        slow = faults.take("slow", oid)
        self._faults += [r["kind"] for r in (drop, corrupt, slow) if r]
        if not (drop or corrupt or slow or total != size):
            self._bytes_out += self.connection.sendfile(f, first, last - first + 1)
            return
        end = last + 1
        if drop:
            end = min(end, first + drop["after"])
        self._send_shaped(f, size, first, end, corrupt, slow)
        if drop:
            # A FIN, not a reset, so the client surely reads the bytes sent before it.
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True

    def _send_gzip(self, f, first, last):
        """The bytes compressed with Content-Encoding: gzip, although the client did not ask
        for it (no Accept-Encoding): servers and proxies that do this exist."""
        body = gzip.compress(os.pread(f.fileno(), last - first + 1, first))
        self.send_response(200 if first == 0 else 206)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self._bytes_out += len(body)

    def _send_shaped(self, f, size, first, end, corrupt, slow):
        """Bytes [first, end) of the object as served: zero-padded past its real size, one
        byte flipped for a corrupt rule, paced for a slow one."""
        piece = max(1, min(_PIECE, slow["bytes_per_sec"] // 20)) if slow else _PIECE
        start_time, pos = time.monotonic(), first
        while pos < end:
            n = min(piece, end - pos)
            data = os.pread(f.fileno(), n, pos) if pos < size else b""
            data = bytearray(data + b"\0" * (n - len(data)))
            if corrupt and pos <= corrupt["offset"] < pos + n:
                data[corrupt["offset"] - pos] ^= 0xFF
            self.wfile.write(data)
            pos += n
            self._bytes_out += n
            if slow:
                delay = start_time + (pos - first) / slow["bytes_per_sec"] - time.monotonic()
                if delay > 0:
                    time.sleep(delay)

    def _log(self):
        self.server.request_log.write({
            "server": "cdn",
            "t": time.time(),
            "method": self.command,
            "path": urlsplit(self.path).path,
            "query": urlsplit(self.path).query,
            "status": self._status,
            "bytes_in": 0,
            "bytes_out": self._bytes_out,
            "range": self.headers.get("Range") if self.headers else None,
            "auth": bool(self.headers) and "Authorization" in self.headers,
            "user_agent": self.headers.get("User-Agent") if self.headers else None,
            "via": self.headers.get("Via") if self.headers else None,
            "forwarded_proto": self.headers.get("X-Forwarded-Proto") if self.headers else None,
            "fault": ",".join(self._faults) or None,
        })
