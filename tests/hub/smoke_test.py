#!/usr/bin/env python3
"""Checks the test hub against the real git client and a few raw requests.

    smoke_test.py [FIXTURES]    (FIXTURES defaults to a fresh build in a temp dir)

Runs lfs_smoke_test.py's checks too (the LFS batch API, the CDN, faults, private repos).

Exits non-zero on the first failed check. Meant to catch a broken hub before the C tests
report confusing failures through it.
"""
import atexit
import gzip
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # keep the source tree clean
import pktline  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
BUILDER = os.path.join(HERE, "..", "fixtures", "build-fixtures.sh")
GIT_ENV = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull,
               GIT_TERMINAL_PROMPT="0")


def check(cond, what):
    if not cond:
        sys.exit("hub smoke test FAILED: " + what)


def git(*args, ok=True):
    res = subprocess.run(["git", *args], env=GIT_ENV, capture_output=True, text=True)
    if ok:
        check(res.returncode == 0, "git %s: %s" % (" ".join(args), res.stderr.strip()))
    return res


def read_facts(path):
    with open(path) as f:
        return dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)


class Hub:
    def __init__(self, root, tmp, *extra):
        self.port_file = os.path.join(tmp, "port")
        self.cdn_port_file = os.path.join(tmp, "cdn-port")
        self.log = os.path.join(tmp, "log-%d" % time.monotonic_ns())
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "hub.py"), "--root", root,
             "--port-file", self.port_file, "--cdn-port-file", self.cdn_port_file,
             "--log", self.log, *extra])
        # A failed check exits at once: the hub must not outlive it (it holds ctest's pipe).
        atexit.register(lambda p=self.proc: p.poll() is None and p.kill())
        for _ in range(200):
            if os.path.exists(self.port_file):
                break
            check(self.proc.poll() is None, "hub exited at startup")
            time.sleep(0.025)
        with open(self.port_file) as f:
            self.port = int(f.read())
        with open(self.cdn_port_file) as f:
            self.cdn_port = int(f.read())
        self.url = "http://127.0.0.1:%d" % self.port
        self.cdn_url = "http://127.0.0.1:%d" % self.cdn_port
        self.optional = "--optional" in extra

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp, data

    def records(self):
        # A request's record is written after its response went out: wait until the log
        # stops growing, or a client that just finished may not find its last request.
        size, end = -1, time.time() + 2
        while time.time() < end and os.path.getsize(self.log) != size:
            size = os.path.getsize(self.log)
            time.sleep(0.05)
        with open(self.log) as f:
            return [json.loads(line) for line in f]

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        check(self.proc.wait(10) == 0, "hub did not exit cleanly on SIGTERM")
        check(not os.path.exists(self.port_file), "port file left behind")
        check(not os.path.exists(self.cdn_port_file), "CDN port file left behind")


def v0_fetch_request(oid, gzipped=False):
    body = (pktline.encode("want %s multi_ack_detailed side-band-64k ofs-delta\n" % oid)
            + pktline.encode("deepen 1\n") + pktline.FLUSH + pktline.encode("done\n"))
    headers = {"Content-Type": "application/x-git-upload-pack-request"}
    if gzipped:
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    return body, headers


def check_mode(fx, tmp, mode):
    facts = read_facts(os.path.join(fx, "facts", "tiny-model.env"))
    hub = Hub(os.path.join(fx, "hub"), tmp, "--sha1-in-want", mode,
              "--redirect", "bert-base-uncased=google-bert/bert-base-uncased")
    repo = hub.url + "/hfgit-test/tiny-model"
    src = os.path.join(fx, facts["SRC"])
    want_refs = git("-C", src, "show-ref", "-d").stdout.split()
    for url in (repo, repo + ".git"):
        got = git("ls-remote", url).stdout.split()
        check(sorted(got) == sorted(want_refs + [facts["MAIN_COMMIT"], "HEAD"]),
              "ls-remote %s does not match the source repo" % url)

    dest = os.path.join(tmp, "clone-" + mode)
    git("clone", "-q", "--depth", "1", "--branch", "v2.0.1", repo + ".git", dest)
    check(git("-C", dest, "rev-parse", "HEAD").stdout.strip() == facts["V2_0_1_COMMIT"],
          "clone of v2.0.1 checked out the wrong commit")
    check(git("-C", dest, "rev-list", "--count", "HEAD").stdout.strip() == "1", "not shallow")

    bert = git("ls-remote", hub.url + "/bert-base-uncased").stdout
    check("refs/tags/v2.0.1" in bert, "redirected ls-remote lacks the tag")
    missing = git("ls-remote", hub.url + "/nobody/nothing", ok=False)
    check(missing.returncode != 0 and "Repository not found" in missing.stderr,
          "unknown repo did not fail with 'Repository not found'")
    for path in ("/nobody/nothing/info/refs?service=git-upload-pack",
                 "/hfgit-test/%2e%2e/hub/info/refs?service=git-upload-pack",
                 "/../fx/info/refs?service=git-upload-pack"):
        resp, _ = hub.request("GET", path)
        check(resp.status == 404, "%s answered %d" % (path, resp.status))
    resp, _ = hub.request("GET", "/hfgit-test/tiny-model/info/refs?service=git-receive-pack")
    check(resp.status == 403, "push allowed without --allow-push")

    # Two requests on one connection: framing must keep keep-alive usable.
    conn = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=10)
    for _ in range(2):
        conn.request("GET", "/hfgit-test/tiny-model/info/refs?service=git-upload-pack")
        resp = conn.getresponse()
        check(resp.status == 200 and b"refs/heads/main" in resp.read(), "keep-alive broke")
    conn.close()

    adv = hub.request("GET", "/hfgit-test/tiny-model/info/refs?service=git-upload-pack")[1]
    check((b"allow-reachable-sha1-in-want" in adv) == (mode == "advertise"),
          "sha1-in-want advertisement wrong for mode " + mode)

    deep = facts["DEEP_COMMIT"]
    fetch_dir = os.path.join(tmp, "fetch-" + mode)
    git("init", "-q", fetch_dir)
    res = git("-C", fetch_dir, "-c", "protocol.version=2", "fetch", "-q", "--depth", "1",
              repo, deep, ok=False)
    if mode == "refuse":
        check(res.returncode != 0 and "not our ref" in res.stderr, "refuse mode served " + deep)
    else:
        check(res.returncode == 0, "fetch of %s failed in %s mode: %s" % (deep, mode, res.stderr))

    for gzipped in (False, True):
        body, headers = v0_fetch_request(deep, gzipped)
        resp, data = hub.request("POST", "/hfgit-test/tiny-model.git/git-upload-pack", body, headers)
        check(resp.status == 200, "raw v0 fetch answered %d" % resp.status)
        if mode == "refuse":
            check(b"ERR upload-pack: not our ref " + deep.encode() in data, "no ERR packet")
        else:
            check(b"PACK" in data, "raw v0 fetch of a reachable commit got no pack")
    body, headers = v0_fetch_request(facts["MAIN_COMMIT"])
    data = hub.request("POST", "/hfgit-test/tiny-model/git-upload-pack", body, headers)[1]
    check(b"PACK" in data, "fetch of a ref tip failed in %s mode" % mode)

    hub.stop()
    records = hub.records()
    check(any(r["status"] == 307 and r["path"] == "/bert-base-uncased/info/refs" for r in records),
          "redirect not in the log")
    check(all({"t", "method", "path", "query", "status", "bytes_in", "bytes_out", "range",
               "auth", "user_agent"} <= r.keys() for r in records), "log records lack fields")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        fx = sys.argv[1] if len(sys.argv) > 1 else os.path.join(tmp, "fixtures")
        subprocess.run([BUILDER, fx], check=True)
        for mode in ("advertise", "default", "refuse"):
            check_mode(fx, tmp, mode)
        import lfs_smoke_test  # here: it imports this module's helpers
        lfs_smoke_test.run(fx, tmp)
    print("hub smoke test: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
