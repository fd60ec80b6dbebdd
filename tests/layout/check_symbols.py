#!/usr/bin/env python3
"""Names say which side of the API a function is on: read the global symbols libhfgit defines
and fail on one that does not start with hfgit_ (it would collide with a user's), or that is
not declared in the public headers and has no internal prefix (hfgit_<module>__<name>).

    usage: check_symbols.py LIBHFGIT.a PUBLIC_INCLUDE_DIR"""
import os, re, subprocess, sys

def main():
    lib, include = sys.argv[1], sys.argv[2]
    public = set()
    for dirpath, _, names in os.walk(include):
        for name in names:
            if name.endswith('.h'):
                public |= set(re.findall(r'\bhfgit_\w+\b', open(os.path.join(dirpath, name)).read()))
    out = subprocess.run(['nm', '-g', '--defined-only', lib], capture_output=True, text=True,
                         check=True).stdout
    symbols, problems = set(), []
    obj = None
    for line in out.splitlines():
        if line.endswith(':'):
            obj = line[:-1]
            continue
        parts = line.split()
        if len(parts) != 3:
            continue
        sym = parts[2]
        if sym.startswith(('__odr_asan', '__asan', '__ubsan', '__sanitizer')):
            continue  # what the sanitizers' instrumentation adds beside each global
        symbols.add(sym)
        if not sym.startswith('hfgit_'):
            problems.append('%s: %s: not in the hfgit_ namespace' % (obj, sym))
        elif sym not in public and '__' not in sym:
            problems.append('%s: %s: internal, but named like the public API '
                            '(call it hfgit_<module>__<name>, or make it static)' % (obj, sym))
    for p in sorted(problems):
        print(p)
    print('%d global symbols, %d public, %d misnamed' %
          (len(symbols), len(symbols & public), len(problems)))
    return 1 if problems or not symbols else 0

if __name__ == '__main__':
    sys.exit(main())
