"""The Git LFS side of the test hub: the batch API, basic-transfer uploads, and the object store.

    POST /<id>[.git]/info/lfs/objects/batch      download or upload, transfer "basic"
    PUT  /<id>[.git]/info/lfs/objects/<oid>      upload href: body checked against oid and size
    POST /<id>[.git]/info/lfs/verify             verify href: 200 once the object is stored
    GET  /lfs/download/<oid>                     with --redirect-downloads: 302 to the CDN

One content-addressed store serves every repo: ROOT/lfs/objects/<oid[0:2]>/<oid[2:4]>/<oid>,
the layout of git-lfs's own .git/lfs/objects, so a plain web server can serve it too (the
benchmark's nginx). Object bytes are never sent by the hub itself: download hrefs point at the
CDN (cdn.py, or --cdn-url), as on the real Hub.
"""
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
import time
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlencode

LFS_JSON = "application/vnd.git-lfs+json"
OID = re.compile(r"[0-9a-f]{64}")
HREF_TTL = 3600          # seconds a download or upload href stays valid
EXPIRED_BY = 60          # an "expired" fault dates the href this far in the past


def register(router):
    router.repo_route("POST", r"info/lfs/objects/batch", batch)
    router.repo_route("PUT", r"info/lfs/objects/[0-9a-f]{64}", upload)
    router.repo_route("POST", r"info/lfs/verify", verify)
    router.plain_route("GET", r"/lfs/download/([0-9a-f]{64})", download_redirect)
    router.plain_route("HEAD", r"/lfs/download/([0-9a-f]{64})", download_redirect)


# The batch answer's fields the spec makes optional; the hub sends them only when asked to.
OPTIONAL = ("header", "expires", "transfer", "authenticated", "hash_algo")


class LfsConfig:
    """Where objects live and where download hrefs point."""

    def __init__(self, root, args):
        self.objects = os.path.join(root, "lfs", "objects")
        self.tmp = os.path.join(root, "lfs", "tmp")
        self.cdn_url = args.cdn_url.rstrip("/") if args.cdn_url else None
        self.cdn_base = None          # the built-in CDN, set once it listens
        self.redirect_downloads = args.redirect_downloads
        self.batch_limit = args.batch_limit
        # The batch API's optional fields (see OPTIONAL): off unless a test turns them on, so
        # that by default the hub answers as a minimal conforming server does.
        self.optional = set(args.optional)
        self.batch_redirect = args.batch_redirect
        self._secret = secrets.token_bytes(32)
        # Objects a private repo's batch answer handed out: the built-in CDN serves them only
        # with a valid signature in the query, never on the strength of an Authorization header.
        self.private_oids = set()

    def path(self, oid):
        """The store path of a validated oid (callers check OID first; this checks again)."""
        if not OID.fullmatch(oid):
            raise ValueError("not an LFS oid: %r" % oid)
        return os.path.join(self.objects, oid[0:2], oid[2:4], oid)

    def stored_size(self, oid):
        try:
            return os.stat(self.path(oid)).st_size
        except FileNotFoundError:
            return None

    # --- signed hrefs: "?exp=<unix time>&sig=<hmac>" ---------------------------------------

    def _mac(self, oid, exp):
        return hmac.new(self._secret, ("%s:%d" % (oid, exp)).encode(),
                        hashlib.sha256).hexdigest()[:32]

    def sign(self, oid, exp):
        return urlencode({"exp": exp, "sig": self._mac(oid, exp)})

    def check_signature(self, oid, query):
        """None if the query carries a valid, unexpired signature for oid (or none at all and
        the object is public); else the reason to answer 403."""
        q = parse_qs(query)
        if "sig" not in q:
            if oid in self.private_oids:
                return "this object needs a signed URL (get one from the batch API)"
            return None
        try:
            exp = int(q.get("exp", [""])[0])
        except ValueError:
            return "malformed signed URL"
        if not hmac.compare_digest(self._mac(oid, exp), q["sig"][0]):
            return "bad signature"
        if exp <= time.time():
            return "URL expired; request a new one from the batch API"
        return None

    def cdn_href(self, oid, query=""):
        """Where the bytes are: the CDN's /objects/<aa>/<bb>/<oid>, the store's own layout."""
        base = self.cdn_url or self.cdn_base
        href = "%s/objects/%s/%s/%s" % (base, oid[0:2], oid[2:4], oid)
        return href + ("?" + query if query else "")


def _rfc3339(t):
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _hub_base(ex):
    """The hub's own origin as the client sees it (behind a TLS-terminating proxy too)."""
    host = ex.headers.get("Host") or "127.0.0.1:%d" % ex.server.server_address[1]
    scheme = "https" if ex.headers.get("X-Forwarded-Proto") == "https" else "http"
    return "%s://%s" % (scheme, host)


def _error(ex, status, message, headers=()):
    ex.respond_json(status, {"message": message, "documentation_url":
                             "https://github.com/git-lfs/git-lfs/blob/main/docs/api/batch.md"},
                    content_type=LFS_JSON, headers=headers)


def _repo_url(ex):
    return "%s/%s.git" % (_hub_base(ex), ex.repo.repo_id)


# --- the batch endpoint ----------------------------------------------------------------------

def batch(ex):
    cfg = ex.config.lfs
    body = ex.body()
    rule = ex.config.faults.take("batch_status")
    if rule:
        headers = [("Retry-After", str(rule["retry_after"]))] if "retry_after" in rule else []
        _error(ex, rule["status"], "injected fault: batch endpoint answers %d" % rule["status"],
               headers)
        return
    if LFS_JSON not in ex.headers.get("Accept", ""):
        _error(ex, 406, "Accept must be %s" % LFS_JSON)
        return
    try:
        req = json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        _error(ex, 422, "request body is not valid JSON: %s" % e)
        return
    problem = _request_problem(req, cfg)
    if problem:
        status, message = problem
        _error(ex, status, message)
        return
    private = ex.repo.repo_id in ex.config.private
    op = req["operation"]
    if op == "upload" and not ex.config.allow_push:
        _error(ex, 403, "Pushing is not allowed on this hub")
        return
    objects = [(_download if op == "download" else _upload)(ex, o, private)
               for o in req["objects"]]
    answer = {"objects": objects}
    if "transfer" in cfg.optional:
        answer["transfer"] = "basic"
    if "hash_algo" in cfg.optional:
        answer["hash_algo"] = "sha256"
    ex.respond_json(200, answer, content_type=LFS_JSON)


def _request_problem(req, cfg):
    """(status, message) for a request the batch API refuses as a whole, else None."""
    if not isinstance(req, dict):
        return 422, "request must be a JSON object"
    if req.get("operation") not in ("download", "upload"):
        return 422, "operation must be \"download\" or \"upload\""
    transfers = req.get("transfers", ["basic"])
    if not isinstance(transfers, list) or "basic" not in transfers:
        return 422, "only the \"basic\" transfer is supported"
    if req.get("hash_algo", "sha256") != "sha256":
        return 409, "hash algorithm %r is not supported; use sha256" % req.get("hash_algo")
    objects = req.get("objects")
    if not isinstance(objects, list) or not all(isinstance(o, dict) for o in objects):
        return 422, "objects must be a list of {oid, size}"
    if len(objects) > cfg.batch_limit:
        return 413, "at most %d objects per batch request" % cfg.batch_limit
    return None


def _object_problem(obj):
    oid, size = obj.get("oid"), obj.get("size")
    if not isinstance(oid, str) or not OID.fullmatch(oid):
        return "oid must be 64 lowercase hex digits"
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        return "size must be a non-negative integer"
    return None


def _object_error(obj, code, message):
    oid, size = obj.get("oid"), obj.get("size")
    return {"oid": oid if isinstance(oid, str) else "", "size": size,
            "error": {"code": code, "message": message}}


def _download(ex, obj, private):
    cfg = ex.config.lfs
    problem = _object_problem(obj)
    if problem:
        return _object_error(obj, 422, problem)
    oid, size = obj["oid"], obj["size"]
    stored = cfg.stored_size(oid)
    if stored is None or ex.config.faults.take("missing", oid):
        return _object_error(obj, 404, "Object does not exist")
    if stored != size:
        return _object_error(obj, 422, "size %d does not match the stored object (%d bytes)"
                             % (size, stored))
    now = int(time.time())
    expired = ex.config.faults.take("expired", oid)
    exp = now - EXPIRED_BY if expired else now + HREF_TTL
    if private:
        cfg.private_oids.add(oid)
    signed = private or expired
    query = cfg.sign(oid, exp) if signed else ""
    if cfg.redirect_downloads or (signed and cfg.cdn_url):
        # An external CDN cannot check signatures: the hub's redirector checks them first.
        href = "%s/lfs/download/%s%s" % (_hub_base(ex), oid, "?" + query if query else "")
    else:
        href = cfg.cdn_href(oid, query)
    action = {"href": href}
    if "header" in cfg.optional:
        action["header"] = {"X-Hfgit-Test-Hub": "download"}
    if "expires" in cfg.optional or expired:
        # An expired href says so: that is what the fault is about.
        action["expires_in"] = exp - now
    if expired:
        action["expires_at"] = _rfc3339(exp)
    lie = ex.config.faults.take("batch_size", oid)
    answer = {"oid": oid, "size": size + (lie["extra"] if lie else 0),
              "actions": {"download": action}}
    if "authenticated" in cfg.optional:
        answer["authenticated"] = True
    return answer


def _upload(ex, obj, private):
    cfg = ex.config.lfs
    problem = _object_problem(obj)
    if problem:
        return _object_error(obj, 422, problem)
    oid, size = obj["oid"], obj["size"]
    if private:
        cfg.private_oids.add(oid)
    stored = cfg.stored_size(oid)
    if stored == size:
        return {"oid": oid, "size": size, "authenticated": True}  # nothing to do
    if stored is not None:
        return _object_error(obj, 422, "size %d does not match the stored object (%d bytes)"
                             % (size, stored))
    header = {}
    if "Authorization" in ex.headers:
        header["Authorization"] = ex.headers["Authorization"]  # the hrefs are on the hub
    repo = _repo_url(ex)
    return {"oid": oid, "size": size, "authenticated": True, "actions": {
        "upload": {"href": "%s/info/lfs/objects/%s?size=%d" % (repo, oid, size),
                   "header": header, "expires_in": HREF_TTL},
        "verify": {"href": repo + "/info/lfs/verify", "header": header,
                   "expires_in": HREF_TTL}}}


# --- basic transfer: upload and verify -------------------------------------------------------

def upload(ex):
    cfg = ex.config.lfs
    if not ex.config.allow_push:
        _error(ex, 403, "Pushing is not allowed on this hub")
        return
    oid = ex.repo.rest.rsplit("/", 1)[1]
    want_size = parse_qs(ex.query).get("size", [None])[0]
    os.makedirs(cfg.tmp, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    fd, tmp = tempfile.mkstemp(dir=cfg.tmp, prefix=oid[:8] + ".")
    try:
        with os.fdopen(fd, "wb") as f:
            for data in ex.body_chunks():
                digest.update(data)
                size += len(data)
                f.write(data)
        if want_size is not None and str(size) != want_size:
            _error(ex, 422, "got %d bytes, the batch request announced %s" % (size, want_size))
            return
        if digest.hexdigest() != oid:
            _error(ex, 422, "body has sha256 %s, not %s" % (digest.hexdigest(), oid))
            return
        final = cfg.path(oid)
        os.makedirs(os.path.dirname(final), exist_ok=True)
        os.chmod(tmp, 0o444)
        os.replace(tmp, final)
        tmp = None
    finally:
        if tmp:
            os.unlink(tmp)
    ex.respond(200, b"")


def verify(ex):
    try:
        req = json.loads(ex.body())
        oid, size = req["oid"], req["size"]
    except (ValueError, UnicodeDecodeError, TypeError, KeyError) as e:
        _error(ex, 422, "verify wants {oid, size}: %s" % e)
        return
    if not isinstance(oid, str) or not OID.fullmatch(oid):
        _error(ex, 422, "oid must be 64 lowercase hex digits")
        return
    stored = ex.config.lfs.stored_size(oid)
    if stored is None:
        _error(ex, 404, "object %s was not uploaded" % oid)
    elif stored != size:
        _error(ex, 422, "object %s has %d bytes, not %s" % (oid, stored, size))
    else:
        ex.respond_json(200, {"oid": oid, "size": stored}, content_type=LFS_JSON)


# --- --redirect-downloads: the hub hands out its own URL and redirects to the CDN -----------

def download_redirect(ex):
    cfg = ex.config.lfs
    oid = ex.match.group(1)
    reason = cfg.check_signature(oid, ex.query)
    if reason:
        ex.respond(403, reason.encode() + b"\n")
        return
    if cfg.stored_size(oid) is None:
        ex.respond(404, b"Object does not exist\n")
        return
    # The built-in CDN checks the signature again; an external one gets the plain URL.
    query = "" if cfg.cdn_url else ex.query
    ex.respond(302, b"", headers=[("Location", cfg.cdn_href(oid, query))])
