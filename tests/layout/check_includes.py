#!/usr/bin/env python3
"""The pipeline points one way: read every #include "..." of lib/ and cmd/ and fail on an
arrow the layout forbids (README, "How the code is laid out").

    usage: check_includes.py [REPO_ROOT]

A folder may include its own headers, lib/core's, the public headers (hfgit.h, hfgit/...) and
the folders ALLOWED lists for it. lib/include includes only itself; cmd/ only the public
headers and its own."""
import os, re, sys

# What each stage may use besides itself, core and the public headers.
ALLOWED = {
    'core': set(),
    'hub': set(),
    'refs': {'hub'},
    'fetch': {'refs', 'hub'},
    'lfs': {'hub'},
    'checkout': {'lfs', 'fetch', 'refs', 'hub'},
    'cache': {'checkout', 'lfs', 'fetch', 'refs', 'hub'},
    'lock': {'cache', 'checkout', 'lfs', 'fetch', 'refs', 'hub'},
    'model/weights': set(),
    'model': {'model/weights'},
    'tensor': set(),
    'forward': {'model', 'model/weights', 'tensor'},
    'tokenize': set(),
    'image': set(),
    'chat': set(),
    'task': {'forward', 'model', 'model/weights', 'tensor', 'tokenize', 'image', 'chat'},
}
# lib/pretrained.c joins both sides: it may use every stage.
ALLOWED['pretrained'] = set(ALLOWED)

def stage_of(rel):
    """The stage of a path relative to lib/ ("checkout/clone.c" -> "checkout")."""
    if rel == 'pretrained.c':
        return 'pretrained'
    if rel.startswith('model/weights/'):
        return 'model/weights'
    return rel.split('/', 1)[0] if '/' in rel else None

def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', '..')
    lib, problems, checked = os.path.join(root, 'lib'), [], 0
    for base, top in ((lib, 'lib'), (os.path.join(root, 'cmd'), 'cmd')):
        for dirpath, _, names in os.walk(base):
            for name in sorted(names):
                if not name.endswith(('.c', '.h')):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, base)
                where = '%s/%s' % (top, rel)
                for n, line in enumerate(open(path, encoding='utf-8'), 1):
                    m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
                    if not m:
                        continue
                    checked += 1
                    why = verdict(top, rel, m.group(1), os.path.dirname(path), lib)
                    if why:
                        problems.append('%s:%d: includes "%s": %s' % (where, n, m.group(1), why))
    for p in problems:
        print(p)
    print('%d includes checked, %d forbidden' % (checked, len(problems)))
    return 1 if problems or checked == 0 else 0

def verdict(top, rel, inc, here, lib):
    public = inc == 'hfgit.h' or inc.startswith('hfgit/')
    if top == 'cmd':
        if public or os.path.exists(os.path.join(here, inc)):
            return None
        return 'the command-line tool uses the public API only'
    if rel.startswith('include/'):
        return None if public else 'a public header includes only public headers'
    if public:
        return None
    if not os.path.exists(os.path.join(lib, inc)):
        return 'no such header below lib/ (name it by its folder: "stage/file.h")'
    mine, theirs = stage_of(rel), stage_of(inc)
    if mine is None or theirs is None:
        return 'every file lives in a stage folder'
    if theirs in (mine, 'core') or theirs in ALLOWED.get(mine, set()):
        return None
    if mine not in ALLOWED:
        return 'lib/%s is not a known stage: add it to ALLOWED in this script' % mine
    return '%s may not depend on %s' % (mine, theirs)

if __name__ == '__main__':
    sys.exit(main())
