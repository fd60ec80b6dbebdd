"""Git smart HTTP for the test hub, served by git's own `git http-backend` run as a CGI.

Using the real backend means clients are tested against the real protocol (v0 and v2, shallow,
gzip request bodies, sideband) rather than against our idea of it. The hub only adds what the
Hub does differently from a stock git server: which wants it accepts (--sha1-in-want) and
whether pushing is allowed at all.
"""
import base64
import gzip
import os
import subprocess
import threading
from urllib.parse import parse_qs

import pktline

SERVICES = ("git-upload-pack", "git-receive-pack")


def register(router):
    router.repo_route("GET", r"info/refs", info_refs)
    router.repo_route("POST", r"git-upload-pack", upload_pack)
    router.repo_route("POST", r"git-receive-pack", receive_pack)


def info_refs(ex):
    service = parse_qs(ex.query).get("service", [""])[0]
    if service not in SERVICES:
        # The Hub has no dumb-HTTP fallback; saying so plainly beats serving loose files.
        ex.respond(403, b"Only smart HTTP (?service=git-upload-pack) is supported\n")
        return
    if service == "git-receive-pack" and not ex.config.allow_push:
        ex.respond(403, b"Pushing is not allowed on this hub\n")
        return
    run_backend(ex, b"")


def upload_pack(ex):
    body = ex.body()
    if ex.config.sha1_in_want == "refuse":
        bad = _first_unadvertised_want(ex, body)
        if bad:
            _send_not_our_ref(ex, bad)
            return
    run_backend(ex, body)


def receive_pack(ex):
    body = ex.body()
    if not ex.config.allow_push:
        ex.respond(403, b"Pushing is not allowed on this hub\n")
        return
    run_backend(ex, body)


# --- the strict server (--sha1-in-want refuse) --------------------------------------------

def ref_tips(repo_dir):
    """Every object a ref points at, plus what annotated tags peel to: the only wants a strict
    server (no allow-*-sha1-in-want) accepts."""
    out = subprocess.run(
        ["git", "--git-dir", repo_dir, "for-each-ref", "--format=%(objectname) %(*objectname)"],
        env=_git_env(), check=True, capture_output=True, text=True).stdout
    return set(out.split())


def _first_unadvertised_want(ex, body):
    data = body
    if ex.headers.get("Content-Encoding", "").lower() in ("gzip", "x-gzip"):
        try:
            data = gzip.decompress(body)
        except (OSError, EOFError):
            return None  # let http-backend reject the garbage in its own words
    try:
        wants = pktline.wanted_oids(data)
    except pktline.PktLineError:
        return None
    if not wants:
        return None
    tips = ref_tips(ex.repo_dir)
    return next((oid for oid in wants if oid not in tips), None)


def _send_not_our_ref(ex, oid):
    # What upload-pack itself sends before dying: a 200 whose body is an ERR packet, so the
    # client reports the server's reason rather than a bare HTTP failure.
    body = pktline.encode("ERR upload-pack: not our ref %s\n" % oid) + pktline.FLUSH
    ex.respond(200, body, content_type="application/x-git-upload-pack-result",
               headers=[("Cache-Control", "no-cache")])


# --- the CGI bridge ------------------------------------------------------------------------

def _git_env():
    """The environment for git processes the hub runs: nothing from the caller's git setup
    (GIT_DIR, user config) may change what is served; GIT_TRACE* still pass for debugging."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("GIT_") or k.startswith("GIT_TRACE")}
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    env["GIT_CONFIG_GLOBAL"] = os.devnull
    return env


def _config_env(pairs):
    """Passes config as GIT_CONFIG_COUNT/KEY_n/VALUE_n: command-line scope, so it applies to
    this request only, never touches the repos, and counts as protected config."""
    env = {"GIT_CONFIG_COUNT": str(len(pairs))}
    for i, (key, value) in enumerate(pairs):
        env["GIT_CONFIG_KEY_%d" % i] = key
        env["GIT_CONFIG_VALUE_%d" % i] = value
    return env


def _backend_env(ex, body):
    cfg = ex.config
    # The repos may belong to another user than the one running the tests (CI caches).
    config = [("safe.directory", "*")]
    if cfg.sha1_in_want == "advertise":
        config.append(("uploadpack.allowAnySHA1InWant", "true"))
    if cfg.allow_push:
        config.append(("http.receivepack", "true"))
    env = _git_env()
    env.update(_config_env(config))
    env.update({
        "GATEWAY_INTERFACE": "CGI/1.1",
        "GIT_PROJECT_ROOT": os.path.realpath(cfg.root),
        "GIT_HTTP_EXPORT_ALL": "1",
        # Always the canonical on-disk name, whatever spelling the URL used.
        "PATH_INFO": "/%s.git/%s" % (ex.repo.repo_id, ex.repo.rest),
        "REQUEST_METHOD": ex.command,
        "QUERY_STRING": ex.query,
        "CONTENT_TYPE": ex.headers.get("Content-Type", ""),
        "CONTENT_LENGTH": str(len(body)),
        "REMOTE_ADDR": ex.client_address[0],
        "SERVER_PROTOCOL": ex.request_version,
    })
    if ex.headers.get("Content-Encoding"):
        env["HTTP_CONTENT_ENCODING"] = ex.headers["Content-Encoding"]
    if ex.headers.get("Git-Protocol"):
        env["GIT_PROTOCOL"] = ex.headers["Git-Protocol"]
    user = _basic_auth_user(ex.headers.get("Authorization", ""))
    if user:
        env["REMOTE_USER"] = user
    return env


def _basic_auth_user(value):
    scheme, _, cred = value.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        return base64.b64decode(cred.strip()).decode("utf-8", "replace").partition(":")[0] or None
    except ValueError:
        return None


def _read_cgi_headers(stream):
    """(status, headers) from the CGI response head; the stream is left at the body."""
    status, headers = 200, []
    while True:
        line = stream.readline()
        if not line or line in (b"\r\n", b"\n"):
            break
        name, _, value = line.decode("latin-1").rstrip("\r\n").partition(":")
        value = value.strip()
        if name.lower() == "status":
            status = int(value.split()[0])
        else:
            headers.append((name, value))
    return status, headers


def run_backend(ex, body):
    proc = subprocess.Popen(["git", "http-backend"], env=_backend_env(ex, body),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    # Feed stdin from a thread: receive-pack may talk back before it has read everything.
    feeder = threading.Thread(target=_feed, args=(proc.stdin, body), daemon=True)
    feeder.start()
    try:
        status, headers = _read_cgi_headers(proc.stdout)
        length = next((int(v) for k, v in headers if k.lower() == "content-length"), None)
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        ex.start_response(status, headers, length=length)
        while True:
            chunk = proc.stdout.read1(65536)
            if not chunk:
                break
            ex.write(chunk)
        ex.end_response()
    finally:
        proc.stdout.close()
        feeder.join()
        proc.wait()


def _feed(pipe, body):
    try:
        pipe.write(body)
    except BrokenPipeError:
        pass  # the backend rejected the request early; its response says why
    finally:
        try:
            pipe.close()
        except BrokenPipeError:
            pass
