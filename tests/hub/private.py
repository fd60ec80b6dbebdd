"""Private repositories (--private ID=TOKEN): every repo endpoint (git and LFS) wants the token.

Accepted: "Authorization: Bearer TOKEN" (what huggingface_hub and hfgit send) or HTTP Basic
with TOKEN as the password and any user name (what git and git-lfs send after a credential
prompt). Without it: 401 with WWW-Authenticate, and for the LFS endpoints also
LFS-Authenticate and a JSON {message}, as the LFS API specifies. CDN hrefs for a private
repo's objects are signed in their query instead (see lfs.py), so the token never has to
leave the hub's origin.
"""
import base64
import hmac

REALM = 'Basic realm="hfgit test hub"'


def register(router):
    router.guard(require_token)


def presented_token(value):
    scheme, _, cred = (value or "").strip().partition(" ")
    scheme, cred = scheme.lower(), cred.strip()
    if scheme == "bearer":
        return cred
    if scheme == "basic":
        try:
            return base64.b64decode(cred, validate=True).decode("utf-8").partition(":")[2]
        except (ValueError, UnicodeDecodeError):
            return None
    return None


def require_token(ex):
    """True (after answering 401) when the repo is private and the request lacks its token."""
    token = ex.config.private.get(ex.repo.repo_id)
    if token is None:
        return False
    got = presented_token(ex.headers.get("Authorization"))
    if got is not None and hmac.compare_digest(got.encode(), token.encode()):
        return False
    message = "Authentication required for %s: send the repository's token" % ex.repo.repo_id
    if ex.repo.rest.startswith("info/lfs/"):
        ex.respond_json(401, {"message": message}, content_type="application/vnd.git-lfs+json",
                        headers=[("WWW-Authenticate", REALM), ("LFS-Authenticate", REALM)])
    else:
        ex.respond(401, (message + "\n").encode(), headers=[("WWW-Authenticate", REALM)])
    return True
