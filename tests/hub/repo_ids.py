"""Hub-shaped repository ids in URL paths, and where their bare repositories live on disk.

A repo id is "name" (legacy models such as gpt2), "org/name", or "datasets/..." / "spaces/..."
followed by one of those. URLs may add ".git" to the id, so "/org/name.git/info/refs" and
"/org/name/info/refs" name the same thing. The id's length is not known from the path alone
("gpt2/info/refs" vs "org/name/info/refs"), so callers pass the endpoint suffixes they serve and
the shortest id that leaves a known suffix wins.
"""
import os
import re

REPO_TYPES = ("datasets", "spaces")

# Hub names are letters, digits, "-", "_", "."; we also refuse anything that could climb out
# of the root ("..", empty segments), whatever the decoding of the URL produced.
_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,95}$")


class RepoPath:
    """A request path split into repo id and the endpoint after it."""

    def __init__(self, repo_id, rest, dotgit):
        self.repo_id = repo_id    # "org/name", without ".git"
        self.rest = rest          # "info/refs", "git-upload-pack", ...; "" for the bare id
        self.dotgit = dotgit      # whether the URL spelled the id with ".git"


def _valid_segment(seg):
    return bool(_SEGMENT.match(seg)) and ".." not in seg


def _id_candidates(segments):
    """(id segments, rest segments, dotgit) from the shortest plausible id to the longest."""
    start = 1 if segments and segments[0] in REPO_TYPES else 0
    for n in range(start + 1, min(start + 2, len(segments)) + 1):
        id_segs = list(segments[:n])
        dotgit = id_segs[-1].endswith(".git")
        if dotgit:
            id_segs[-1] = id_segs[-1][:-4]
        if all(_valid_segment(s) for s in id_segs):
            yield id_segs, segments[n:], dotgit
        if dotgit:
            break  # ".git" ends the id; a longer id would contain it


def split(path, rest_patterns):
    """RepoPath for a decoded URL path whose remainder fully matches one of rest_patterns
    (compiled regexes), or None."""
    segments = path.strip("/").split("/")
    if not path.startswith("/") or "" in segments:
        return None
    for id_segs, rest_segs, dotgit in _id_candidates(segments):
        rest = "/".join(rest_segs)
        if any(p.fullmatch(rest) for p in rest_patterns):
            return RepoPath("/".join(id_segs), rest, dotgit)
    return None


def redirect_target(path, query, redirects):
    """For a renamed repo (redirects maps old id -> new id), the URL the client should use
    instead, keeping ".git", the rest of the path and the query; None when not renamed."""
    segments = path.strip("/").split("/")
    for old, new in redirects.items():
        old_segs = old.split("/")
        head = segments[:len(old_segs)]
        if len(head) < len(old_segs) or head[:-1] != old_segs[:-1]:
            continue
        last = head[-1]
        if last not in (old_segs[-1], old_segs[-1] + ".git"):
            continue
        suffix = "" if last == old_segs[-1] else ".git"
        rest = "/".join(segments[len(old_segs):])
        target = "/" + new + suffix + ("/" + rest if rest else "")
        return target + ("?" + query if query else "")
    return None


def bare_repo_dir(root, repo_id):
    """The bare repository serving repo_id under root, or None if there is none (or the id
    would resolve outside root, e.g. through a symlink)."""
    real_root = os.path.realpath(root)
    candidate = os.path.realpath(os.path.join(real_root, repo_id + ".git"))
    if not candidate.startswith(real_root + os.sep):
        return None
    if not (os.path.isfile(os.path.join(candidate, "HEAD"))
            and os.path.isdir(os.path.join(candidate, "objects"))):
        return None
    return candidate
