"""Fault injection for the LFS side of the test hub.

A fault list is JSON: a list of rules, set at start (--faults FILE.json) and replaced at run
time (POST /_control/faults with the same JSON; GET shows what is left). Each rule names a
kind, the object it applies to ("oid": 64 hex or "*"; batch_status has none) and how many
requests it affects ("times"; absent means every request until the list is replaced). A
request takes the first unspent matching rule of a kind, which spends one of its times.

    drop          {"after": N}           CDN: N body bytes, then the connection is closed
    corrupt       {"offset": N}          CDN: the byte at object offset N is flipped (if sent)
    status        {"status": S, "retry_after": R?}   CDN: S instead of the body
    slow          {"bytes_per_sec": N}   CDN: the body at about N bytes per second
    size          {"extra": N}           CDN: the object served with N more (or fewer) bytes
    expired       {}                     batch: the href's expiry is in the past; it gets 403
    missing       {}                     batch: a per-object 404 for the object
    batch_status  {"status": S, "retry_after": R?}   batch: the whole request answers S
"""
import copy
import json
import re
import threading

_OID = re.compile(r"[0-9a-f]{64}")

# kind -> (required fields, optional fields); every field is an integer
KINDS = {
    "drop": ({"after"}, set()),
    "corrupt": ({"offset"}, set()),
    "status": ({"status"}, {"retry_after"}),
    "slow": ({"bytes_per_sec"}, set()),
    "size": ({"extra"}, set()),
    "expired": (set(), set()),
    "missing": (set(), set()),
    "batch_status": ({"status"}, {"retry_after"}),
    "batch_size": ({"extra"}, set()),
    "bad_range": (set(), set()),
    "gzip": (set(), set()),
}


def register(router):
    router.plain_route("GET", r"/_control/faults", show)
    router.plain_route("POST", r"/_control/faults", replace)


def validate(rules):
    """The rules, normalised; ValueError with a readable message if any is malformed."""
    if not isinstance(rules, list):
        raise ValueError("faults must be a JSON list of rules")
    out = []
    for i, rule in enumerate(rules):
        where = "fault rule %d" % i
        if not isinstance(rule, dict) or rule.get("kind") not in KINDS:
            raise ValueError("%s: kind must be one of %s" % (where, ", ".join(sorted(KINDS))))
        kind = rule["kind"]
        required, optional = KINDS[kind]
        allowed = required | optional | {"kind", "times", "oid"}
        unknown = set(rule) - allowed
        if unknown:
            raise ValueError("%s (%s): unknown fields %s" % (where, kind, sorted(unknown)))
        missing = required - set(rule)
        if missing:
            raise ValueError("%s (%s): needs %s" % (where, kind, sorted(missing)))
        for field in (required | optional | {"times"}) & set(rule):
            if not isinstance(rule[field], int) or isinstance(rule[field], bool):
                raise ValueError("%s (%s): %s must be an integer" % (where, kind, field))
        if kind != "batch_status":
            oid = rule.get("oid")
            if oid != "*" and not (isinstance(oid, str) and _OID.fullmatch(oid)):
                raise ValueError("%s (%s): oid must be 64 lowercase hex or \"*\"" % (where, kind))
        if "status" in rule and not 100 <= rule["status"] <= 599:
            raise ValueError("%s (%s): status out of range" % (where, kind))
        if kind == "slow" and rule["bytes_per_sec"] <= 0:
            raise ValueError("%s (slow): bytes_per_sec must be positive" % where)
        if rule.get("times", 1) < 0 or rule.get("after", 0) < 0 or rule.get("offset", 0) < 0:
            raise ValueError("%s (%s): negative count" % (where, kind))
        out.append(dict(rule))
    return out


def load_file(path):
    with open(path, encoding="utf-8") as f:
        try:
            return validate(json.load(f))
        except ValueError as e:
            raise ValueError("--faults %s: %s" % (path, e)) from None


class Faults:
    def __init__(self, rules):
        self._lock = threading.Lock()
        self._rules = validate(rules)

    def replace(self, rules):
        rules = validate(rules)
        with self._lock:
            self._rules = rules

    def snapshot(self):
        with self._lock:
            return copy.deepcopy(self._rules)

    def take(self, kind, oid=None, applies=None):
        """The first unspent rule of kind for oid (for which applies(rule) holds), with one of
        its times spent; None if there is none."""
        with self._lock:
            for rule in self._rules:
                if rule["kind"] != kind or rule.get("times", 1) <= 0:
                    continue
                if kind != "batch_status" and rule["oid"] not in ("*", oid):
                    continue
                if applies and not applies(rule):
                    continue
                if "times" in rule:
                    rule["times"] -= 1
                return dict(rule)
        return None


def show(ex):
    ex.respond_json(200, ex.config.faults.snapshot())


def replace(ex):
    try:
        ex.config.faults.replace(json.loads(ex.body()))
    except (ValueError, UnicodeDecodeError) as e:
        ex.respond_json(400, {"message": str(e)})
        return
    ex.respond_json(200, ex.config.faults.snapshot())
