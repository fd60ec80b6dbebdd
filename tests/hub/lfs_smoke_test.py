#!/usr/bin/env python3
"""Checks the hub's LFS side: the real git-lfs client, the batch API by hand, the CDN's byte
ranges, every fault kind, --redirect-downloads, private repos and the log.

    lfs_smoke_test.py [FIXTURES]    (FIXTURES defaults to a fresh build in a temp dir)

smoke_test.py runs these checks too. Exits non-zero on the first failed check.
"""
import base64
import hashlib
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

sys.dont_write_bytecode = True  # keep the source tree clean
from smoke_test import BUILDER, Hub, check, read_facts  # noqa: E402

LFS_JSON = "application/vnd.git-lfs+json"
TOKEN = "hf_smoke_secret"
UNKNOWN_OID = "0" * 64


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


URLLIB = urllib.request.build_opener(NoRedirect)


def fetch(url, method="GET", body=None, headers=None):
    """(status, headers, body bytes, complete?) through urllib; never raises for a status,
    and reports a body cut short instead of raising."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        resp = URLLIB.open(req, timeout=20)
    except urllib.error.HTTPError as e:
        resp = e
    with resp:
        try:
            data, complete = resp.read(), True
        except http.client.IncompleteRead as e:
            data, complete = e.partial, False
        return resp.status, resp.headers, data, complete


def batch(hub, repo, objects, operation="download", headers=None, raw=None):
    body = raw if raw is not None else json.dumps({
        "operation": operation, "transfers": ["basic"], "ref": {"name": "refs/heads/main"},
        "objects": [{"oid": oid, "size": size} for oid, size in objects],
        "hash_algo": "sha256"}).encode()
    h = {"Accept": LFS_JSON, "Content-Type": LFS_JSON}
    h.update(headers or {})
    status, resp_headers, data, _ = fetch("%s/%s.git/info/lfs/objects/batch" % (hub.url, repo),
                                          "POST", body, h)
    return status, resp_headers, json.loads(data) if data else None


def href_of(answer, i=0):
    return answer["objects"][i]["actions"]["download"]["href"]


def set_faults(hub, rules):
    status, _, data, _ = fetch(hub.url + "/_control/faults", "POST", json.dumps(rules).encode())
    check(status == 200, "POST /_control/faults answered %d: %s" % (status, data))


def faults_left(hub):
    return json.loads(fetch(hub.url + "/_control/faults")[2])


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


class LfsGit:
    """The real git and git-lfs, with a global config of their own where `git lfs install` ran
    (never the machine's)."""

    def __init__(self, tmp):
        home = os.path.join(tmp, "lfs-home")
        os.makedirs(home, exist_ok=True)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "HF"))}
        self.env.update(HOME=home, GIT_CONFIG_NOSYSTEM="1", GIT_TERMINAL_PROMPT="0",
                        GIT_CONFIG_GLOBAL=os.path.join(tmp, "lfs.gitconfig"))
        self.run("lfs", "install", "--skip-repo", cwd=home)

    def run(self, *args, ok=True, cwd=None, env=None):
        res = subprocess.run(["git", *args], env=dict(self.env, **(env or {})), cwd=cwd,
                             capture_output=True, text=True)
        if ok:
            check(res.returncode == 0, "git %s: %s" % (" ".join(args), res.stderr.strip()))
        return res


def check_checkout(lfs_git, dest, f):
    want = {"model.safetensors": f["MODEL_OID"], "copy.safetensors": f["COPY_OID"],
            "pytorch_model.bin": f["BIN_OID"], f["SUB_PATH"]: f["SUB_OID"],
            "one.bin": f["ONE_OID"], "empty.bin": f["EMPTY_OID"],
            "pointer-lookalike.txt": f["LOOKALIKE_SHA256"]}
    for path, oid in want.items():
        check(sha256_file(os.path.join(dest, path)) == oid, "clone: %s has the wrong bytes" % path)
    check(lfs_git.run("-C", dest, "status", "--porcelain").stdout == "", "clone: status not clean")
    lfs_git.run("-C", dest, "lfs", "fsck")


def cdn_records(hub, since=0):
    return [r for r in hub.records()[since:] if r["server"] == "cdn"]


# --- the checks --------------------------------------------------------------------------------

def check_git_lfs_clone(hub, lfs_git, tmp, f):
    """The real client downloads through the batch API and the CDN, and recovers from a
    dropped connection and a 503 with Retry-After."""
    dest = os.path.join(tmp, "lfs-clone")
    lfs_git.run("clone", "-q", hub.url + "/hfgit-test/lfs-model", dest)
    check_checkout(lfs_git, dest, f)
    cdn = cdn_records(hub)
    check(cdn and all(r["status"] == 200 and not r["auth"] for r in cdn),
          "git-lfs did not download from the CDN without Authorization: %s" % cdn)

    mark = len(hub.records())
    set_faults(hub, [{"kind": "drop", "oid": f["MODEL_OID"], "after": 100000, "times": 1},
                     {"kind": "status", "oid": f["BIN_OID"], "status": 503, "retry_after": 1,
                      "times": 1}])
    dest = os.path.join(tmp, "lfs-clone-faults")
    lfs_git.run("clone", "-q", hub.url + "/hfgit-test/lfs-model.git", dest)
    check_checkout(lfs_git, dest, f)
    check(all(r.get("times", 1) == 0 for r in faults_left(hub)), "git-lfs missed a fault")
    statuses = [(r["path"].rsplit("/", 1)[1], r["status"]) for r in cdn_records(hub, mark)]
    check((f["BIN_OID"], 503) in statuses and (f["BIN_OID"], 200) in statuses,
          "no 503 then 200 for pytorch_model.bin: %s" % statuses)

    dest = os.path.join(tmp, "lfs-clone-v1")
    lfs_git.run("clone", "-q", "--branch", f["V1_TAG"], hub.url + "/hfgit-test/lfs-model", dest)
    check(sha256_file(os.path.join(dest, "model.safetensors")) == f["V1_MODEL_OID"],
          "clone of v1.0 has the wrong model.safetensors")


def check_batch_api(hub, f):
    repo = "hfgit-test/lfs-model"
    status, headers, ans = batch(hub, repo, [(f["MODEL_OID"], int(f["MODEL_SIZE"])),
                                             (f["ONE_OID"], 1), (UNKNOWN_OID, 5),
                                             (f["BIN_OID"], 7)])
    check(status == 200 and headers["Content-Type"] == LFS_JSON, "batch answered %d" % status)
    model, one, unknown, wrong_size = ans["objects"]
    if hub.optional:
        check(ans["transfer"] == "basic" and ans["hash_algo"] == "sha256", "batch: wrong transfer")
        check(model["authenticated"] is True and model["actions"]["download"]["expires_in"] > 0
              and model["actions"]["download"]["header"] == {"X-Hfgit-Test-Hub": "download"},
              "batch: optional fields missing: %s" % model)
    else:
        # A minimal conforming answer: nothing the spec makes optional.
        check(set(ans) == {"objects"}, "batch: optional top-level fields: %s" % sorted(ans))
        check(set(model) == {"oid", "size", "actions"}
              and set(model["actions"]["download"]) == {"href"},
              "batch: optional object fields: %s" % model)
    check(model["oid"] == f["MODEL_OID"]
          and model["actions"]["download"]["href"].startswith(hub.cdn_url + "/objects/"),
          "batch: bad download action")
    check(one["actions"]["download"]["href"].endswith("/" + f["ONE_OID"]), "batch: bad href")
    check(unknown["error"]["code"] == 404 and "actions" not in unknown, "batch: no 404 object")
    check(wrong_size["error"]["code"] == 422, "batch: size mismatch is not a 422")

    status, _, data, _ = fetch(href_of(ans))
    check(status == 200 and hashlib.sha256(data).hexdigest() == f["MODEL_OID"],
          "CDN served the wrong bytes")
    short = "%s/objects/%s" % (hub.cdn_url, f["ONE_OID"])
    check(fetch(short)[2] == fetch(href_of(ans, 1))[2], "/objects/<oid> differs from the href")

    for raw, code in ((b"{not json", 422), (b"[]", 422),
                      (json.dumps({"operation": "delete", "objects": []}).encode(), 422),
                      (json.dumps({"operation": "download", "objects": [],
                                   "hash_algo": "sha1"}).encode(), 409),
                      (json.dumps({"operation": "download", "transfers": ["tus"],
                                   "objects": []}).encode(), 422),
                      (json.dumps({"operation": "upload", "objects": []}).encode(), 403)):
        status, headers, ans = batch(hub, repo, [], raw=raw)
        check(status == code and isinstance(ans.get("message"), str)
              and headers["Content-Type"] == LFS_JSON,
              "batch %r answered %d, not %d" % (raw[:40], status, code))
    status, _, ans = batch(hub, repo, [("../../etc/passwd", 1), (f["ONE_OID"].upper(), 1)])
    check(status == 200 and [o["error"]["code"] for o in ans["objects"]] == [422, 422],
          "batch: malformed oids are not per-object 422s")
    status, _, _ = batch(hub, repo, [(f["ONE_OID"], 1)] * 1001)
    check(status == 413, "batch of 1001 objects answered %d" % status)
    status = fetch("%s/%s.git/info/lfs/objects/batch" % (hub.url, repo), "POST",
                   b'{"operation":"download","objects":[]}', {"Content-Type": LFS_JSON})[0]
    check(status == 406, "batch without Accept answered %d" % status)
    status, _, _ = batch(hub, "nobody/nothing", [(f["ONE_OID"], 1)])
    check(status == 404, "batch for an unknown repo answered %d" % status)
    status, _, ans = batch(hub, "hfgit-test/lfs-model", [(f["ONE_OID"], 1)])
    check(status == 200, "batch without .git in the URL failed")


def check_ranges(hub, f):
    url = "%s/objects/%s" % (hub.cdn_url, f["SUB_OID"])
    with open(os.path.join(FIXTURES, "lfs-objects", f["SUB_OID"]), "rb") as fh:
        full = fh.read()
    total = len(full)
    for spec, first, last in (("bytes=0-0", 0, 0), ("bytes=100-199", 100, 199),
                              ("bytes=1000-", 1000, total - 1),
                              ("bytes=-10", total - 10, total - 1),
                              ("bytes=5-999999999", 5, total - 1)):
        status, headers, data, _ = fetch(url, headers={"Range": spec})
        check(status == 206 and data == full[first:last + 1]
              and headers["Content-Range"] == "bytes %d-%d/%d" % (first, last, total),
              "Range %s: %d %s" % (spec, status, headers.get("Content-Range")))
    status, headers, _, _ = fetch(url, headers={"Range": "bytes=%d-" % total})
    check(status == 416 and headers["Content-Range"] == "bytes */%d" % total, "no 416 past the end")
    status, headers, data, _ = fetch(url, headers={"Range": "bytes=0-1,5-6"})
    check(status == 200 and data == full, "multi-range request was not answered with the whole")
    status, headers, data, _ = fetch(url, "HEAD")
    check(status == 200 and headers["Content-Length"] == str(total) and not data
          and headers["Accept-Ranges"] == "bytes", "HEAD on the CDN")
    empty = hashlib.sha256(b"").hexdigest()
    check(fetch("%s/objects/%s" % (hub.cdn_url, empty))[0] == 404, "CDN served an unknown object")
    check(fetch(hub.cdn_url + "/objects/../../etc/passwd")[0] == 404, "CDN path escape")
    bad = "%s/objects/ff/ff/%s" % (hub.cdn_url, f["SUB_OID"])
    check(fetch(bad)[0] == 404, "CDN accepted a wrong aa/bb prefix")

    # Keep-alive: a Range request, a full one and a HEAD on one connection.
    conn = http.client.HTTPConnection("127.0.0.1", hub.cdn_port, timeout=10)
    for headers, method in (({"Range": "bytes=0-9"}, "GET"), ({}, "GET"), ({}, "HEAD")):
        conn.request(method, urlsplit(url).path, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        check(resp.status in (200, 206) and (method == "HEAD" or data in (full, full[:10])),
              "CDN keep-alive broke")
    conn.close()


def check_faults(hub, f):
    oid, size = f["SUB_OID"], int(f["SUB_SIZE"])
    url = "%s/objects/%s" % (hub.cdn_url, oid)
    with open(os.path.join(FIXTURES, "lfs-objects", oid), "rb") as fh:
        full = fh.read()

    set_faults(hub, [{"kind": "drop", "oid": oid, "after": 1000, "times": 1}])
    status, headers, data, complete = fetch(url)
    check(status == 200 and headers["Content-Length"] == str(size) and not complete
          and data == full[:1000], "drop: got %d bytes, complete=%s" % (len(data), complete))
    check(fetch(url)[2] == full, "drop rule not spent after one request")

    set_faults(hub, [{"kind": "corrupt", "oid": oid, "offset": 5000, "times": 1}])
    status, _, data, _ = fetch(url, headers={"Range": "bytes=0-99"})
    check(data == full[:100] and faults_left(hub)[0]["times"] == 1,
          "corrupt: a range without the offset was changed or spent the rule")
    status, _, data, _ = fetch(url, headers={"Range": "bytes=4000-"})
    diff = [i for i in range(len(data)) if data[i] != full[4000 + i]]
    check(status == 206 and diff == [1000] and data[1000] == full[5000] ^ 0xFF,
          "corrupt: differences at %s" % diff[:5])
    check(fetch(url)[2] == full, "corrupt rule not spent")

    set_faults(hub, [{"kind": "status", "oid": "*", "status": 503, "retry_after": 1,
                      "times": 2}])
    for _ in range(2):
        status, headers, _, _ = fetch(url)
        check(status == 503 and headers["Retry-After"] == "1", "status: no 503 + Retry-After")
    check(fetch(url)[0] == 200, "status rule not spent after 2 requests")
    set_faults(hub, [{"kind": "status", "oid": oid, "status": 429, "times": 1}])
    check(fetch("%s/objects/%s" % (hub.cdn_url, f["ONE_OID"]))[0] == 200, "status: wrong oid hit")
    check(fetch(url)[0] == 429, "status 429 not served")

    set_faults(hub, [{"kind": "slow", "oid": oid, "bytes_per_sec": 1000000, "times": 1}])
    start = time.monotonic()
    data = fetch(url)[2]
    elapsed = time.monotonic() - start
    check(data == full and elapsed >= 0.15, "slow: %d bytes in %.3f s" % (len(data), elapsed))

    set_faults(hub, [{"kind": "size", "oid": oid, "extra": 10}])
    status, headers, data, _ = fetch(url)
    check(headers["Content-Length"] == str(size + 10) and data == full + b"\0" * 10,
          "size +10: %s bytes" % headers["Content-Length"])
    set_faults(hub, [{"kind": "size", "oid": oid, "extra": -5}])
    status, headers, data, _ = fetch(url, headers={"Range": "bytes=%d-" % (size - 20)})
    check(status == 206 and data == full[size - 20:size - 5]
          and headers["Content-Range"] == "bytes %d-%d/%d" % (size - 20, size - 6, size - 5),
          "size -5 with a range: %s" % headers.get("Content-Range"))

    repo = "hfgit-test/lfs-model"
    set_faults(hub, [{"kind": "expired", "oid": oid, "times": 1}])
    _, _, ans = batch(hub, repo, [(oid, size)])
    action = ans["objects"][0]["actions"]["download"]
    check(action["expires_in"] < 0 and action["expires_at"].endswith("Z")
          and action["expires_at"] < time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
          "expired: the action is not expired: %s" % action)
    check(fetch(action["href"])[0] == 403, "expired href did not answer 403")
    _, _, ans = batch(hub, repo, [(oid, size)])
    check(ans["objects"][0]["actions"]["download"].get("expires_in", 1) > 0
          and fetch(href_of(ans))[2] == full, "a renewed href does not work")

    set_faults(hub, [{"kind": "missing", "oid": oid}])
    for _ in range(2):
        _, _, ans = batch(hub, repo, [(oid, size), (f["ONE_OID"], 1)])
        check(ans["objects"][0]["error"]["code"] == 404 and "actions" in ans["objects"][1],
              "missing: %s" % ans["objects"])

    set_faults(hub, [{"kind": "batch_status", "status": 503, "retry_after": 1, "times": 1}])
    status, headers, ans = batch(hub, repo, [(oid, size)])
    check(status == 503 and headers["Retry-After"] == "1" and "message" in ans, "batch_status")
    check(batch(hub, repo, [(oid, size)])[0] == 200, "batch_status not spent")

    for bad in ([{"kind": "explode", "oid": oid}], [{"kind": "drop", "oid": oid}],
                [{"kind": "drop", "oid": "x", "after": 1}], {"kind": "drop"}):
        status, _, data, _ = fetch(hub.url + "/_control/faults", "POST", json.dumps(bad).encode())
        check(status == 400 and "message" in json.loads(data), "bad fault list %r accepted" % bad)
    set_faults(hub, [])


def check_log(hub, f):
    records = hub.records()
    cdn = [r for r in records if r["server"] == "cdn"]
    check(all(r["server"] in ("hub", "cdn") for r in records), "log record without server")
    check(any(r["range"] == "bytes=100-199" and r["status"] == 206 and r["bytes_out"] == 100
              for r in cdn), "log lacks the CDN range request")
    check(any(r["fault"] == "drop" and r["bytes_out"] == 1000 for r in cdn), "log lacks the drop")
    check(all({"t", "method", "path", "query", "status", "bytes_in", "bytes_out", "range",
               "auth", "user_agent", "fault"} <= r.keys() for r in cdn), "CDN log lacks fields")


def check_private_and_redirects(fx, tmp, lfs_git, f):
    """--private, --redirect-downloads and a renamed repo, with the real client as well."""
    hub = Hub(os.path.join(fx, "hub"), tmp, "--redirect-downloads",
              "--private", "hfgit-test/lfs-model=" + TOKEN,
              "--redirect", "old-org/lfs=hfgit-test/lfs-model")
    repo, objects = "hfgit-test/lfs-model", [(f["SUB_OID"], int(f["SUB_SIZE"]))]
    status, headers, ans = batch(hub, repo, objects)
    check(status == 401 and headers["LFS-Authenticate"].startswith("Basic")
          and headers["WWW-Authenticate"].startswith("Basic") and "message" in ans,
          "private batch without a token answered %d" % status)
    check(batch(hub, repo, objects, headers={"Authorization": "Bearer nope"})[0] == 401,
          "a wrong token was accepted")
    res = lfs_git.run("ls-remote", hub.url + "/" + repo, ok=False)
    check(res.returncode != 0, "private repo listed without a token")
    basic = "Basic " + base64.b64encode(b"anyone:" + TOKEN.encode()).decode()
    for auth in ("Bearer " + TOKEN, basic):
        status, _, ans = batch(hub, repo, objects, headers={"Authorization": auth})
        check(status == 200, "private batch with %s answered %d" % (auth.split()[0], status))
    href = href_of(ans)
    check(href.startswith(hub.url + "/lfs/download/") and "sig=" in href,
          "--redirect-downloads with a private repo: href %s" % href)
    status, headers, _, _ = fetch(href)
    location = headers.get("Location", "")
    check(status == 302 and location.startswith(hub.cdn_url + "/objects/") and "sig=" in location,
          "/lfs/download answered %d -> %s" % (status, location))
    with open(os.path.join(fx, "lfs-objects", f["SUB_OID"]), "rb") as fh:
        full = fh.read()
    check(fetch(location)[2] == full, "signed CDN URL failed")
    unsigned = "%s/objects/%s" % (hub.cdn_url, f["SUB_OID"])
    check(fetch(unsigned)[0] == 403, "private object served without a signature")
    check(fetch(location.replace("sig=", "sig=0"))[0] == 403, "tampered signature accepted")
    check(fetch(href.replace("sig=", "sig=0"))[0] == 403, "hub redirector accepted a bad sig")

    # A public repo on the same hub: an unsigned hub URL, redirected to a plain CDN URL.
    tiny = read_facts(os.path.join(fx, "facts", "tiny-model.env"))
    status, _, ans = batch(hub, "hfgit-test/tiny-model",
                           [(tiny["WEIGHTS_OID"], int(tiny["WEIGHTS_SIZE"]))])
    href = href_of(ans)
    status, headers, _, _ = fetch(href)
    location = headers.get("Location", "")
    check(href == "%s/lfs/download/%s" % (hub.url, tiny["WEIGHTS_OID"]) and status == 302
          and location == "%s/objects/%s/%s/%s" % (hub.cdn_url, tiny["WEIGHTS_OID"][:2],
                                                    tiny["WEIGHTS_OID"][2:4], tiny["WEIGHTS_OID"])
          and hashlib.sha256(fetch(location)[2]).hexdigest() == tiny["WEIGHTS_OID"],
          "--redirect-downloads for a public object: %s -> %d %s" % (href, status, location))

    # A renamed repo: 307 keeps the POST, and the batch answer works at the new place.
    body = json.dumps({"operation": "download", "objects": [
        {"oid": f["SUB_OID"], "size": int(f["SUB_SIZE"])}]}).encode()
    status, headers, _, _ = fetch(hub.url + "/old-org/lfs.git/info/lfs/objects/batch", "POST",
                                  body, {"Accept": LFS_JSON, "Content-Type": LFS_JSON})
    moved = "/hfgit-test/lfs-model.git/info/lfs/objects/batch"
    check(status == 307 and headers["Location"] == moved,
          "batch of a renamed repo answered %d -> %s" % (status, headers.get("Location")))

    # The real client with the token in the URL (as after a credential prompt): git-lfs
    # follows the hub's 302 to the CDN and must not take the Authorization along.
    mark = len(hub.records())
    dest = os.path.join(tmp, "lfs-clone-private")
    authed = hub.url.replace("http://", "http://user:%s@" % TOKEN)
    lfs_git.run("clone", "-q", authed + "/" + repo, dest)
    check_checkout(lfs_git, dest, f)
    after = hub.records()[mark:]
    cdn = [r for r in after if r["server"] == "cdn"]
    check(cdn and all(r["status"] == 200 and not r["auth"] and "sig=" in r["query"] for r in cdn),
          "private clone: CDN requests %s" % [(r["status"], r["auth"], r["path"], r["query"]) for r in cdn])
    check(any(r["path"].startswith("/lfs/download/") and r["status"] == 302 for r in after),
          "private clone did not go through /lfs/download")
    hub.stop()


FIXTURES = None


def run(fx, tmp):
    global FIXTURES
    FIXTURES = fx
    f = read_facts(os.path.join(fx, "facts", "lfs-model.env"))
    lfs_git = LfsGit(tmp)
    hub = Hub(os.path.join(fx, "hub"), tmp)
    check_git_lfs_clone(hub, lfs_git, tmp, f)
    check_batch_api(hub, f)
    check_ranges(hub, f)
    check_faults(hub, f)
    hub.stop()
    check_log(hub, f)
    full = Hub(os.path.join(fx, "hub"), tmp, "--optional", "all")
    check_batch_api(full, f)
    full.stop()
    check_private_and_redirects(fx, tmp, lfs_git, f)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        fx = sys.argv[1] if len(sys.argv) > 1 else os.path.join(tmp, "fixtures")
        subprocess.run([BUILDER, fx], check=True)
        run(fx, tmp)
    print("hub LFS smoke test: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
