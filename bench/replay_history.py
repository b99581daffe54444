"""A repository with the shape of a real history: the commits of ../shared/real_git/<name>.jsonl.gz (their
messages, times, authors' pseudonyms and, for every commit, the files it touched with the lines it added and
deleted), replayed with made-up file contents. The diffs git computes are then as large as the real ones,
which is what costs a history loader its time. Read at run time from ../shared; nothing of it is copied into the project.

    python bench/replay_history.py NAME FOLDER    # NAME: pytorch-ao, text-generation-inference
"""

from __future__ import annotations

import gzip
import json
import random
import subprocess
import sys
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path

REAL_GIT = Path(__file__).resolve().parents[2] / "shared" / "real_git"


def _data(raw: bytes) -> bytes:
    return b"data %d\n%s\n" % (len(raw), raw)


def load(name: str) -> list[dict]:
    """The history's commits, oldest first."""
    with gzip.open(REAL_GIT / f"{name}.jsonl.gz", "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines][::-1]


def replay(name: str, folder: Path, seed: int = 3) -> int:
    """Build the repository at `folder`; returns its number of commits."""
    return write_repo(load(name), folder, seed)


def write_repo(commits: Iterable[dict], folder: Path, seed: int = 3) -> int:
    """A repository at `folder` with one commit per record (the fields of ../shared/real_git's records:
    subject, body, committed_at, authored_at, author, files as [path, added, deleted]), each changing its
    files by exactly those line counts; returns the number of commits. Streamed into `git fast-import`."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(folder)], check=True)
    importer = subprocess.Popen(["git", "-C", str(folder), "fast-import", "--quiet"], stdin=subprocess.PIPE)
    count = 0
    try:
        for chunk in _stream(commits, random.Random(seed)):
            count += chunk.startswith(b"commit ")
            importer.stdin.write(chunk)
    finally:
        importer.stdin.close()
        if importer.wait() != 0:
            raise RuntimeError("git fast-import failed")
    subprocess.run(["git", "-C", str(folder), "reset", "-q", "--hard", "main"], check=True)
    return count


def _stream(commits: Iterable[dict], rng: random.Random) -> Iterator[bytes]:
    files: dict[str, list[bytes]] = {}
    serial = 0
    for commit in commits:
        when = int(datetime.fromisoformat(commit["committed_at"]).timestamp())
        authored = int(datetime.fromisoformat(commit.get("authored_at") or commit["committed_at"]).timestamp())
        author = (commit.get("author") or "dev").encode()  # the export's stable pseudonym of the person
        message = (commit["subject"] + "\n\n" + (commit.get("body") or "")).strip().encode("utf-8", "replace")
        yield b"commit refs/heads/main\n"
        yield b"author %s <%s@example.invalid> %d +0000\n" % (author, author, authored)
        yield b"committer Dev <dev@example.com> %d +0000\n" % when + _data(message)
        for path, added, deleted in commit["files"]:
            if not path or "\n" in path or '"' in path:
                continue
            content = files.setdefault(path, [])
            if added is None:  # a binary file
                yield b'M 100644 inline "%s"\n' % path.encode() + _data(rng.randbytes(64))
                continue
            for _ in range(min(deleted, len(content))):
                content.pop(rng.randrange(len(content)))
            at = rng.randint(0, len(content))
            fresh = []
            for _ in range(added):
                serial += 1
                fresh.append(b"line_%d = compute(%d)" % (serial, rng.randint(0, 10**9)))
            content[at:at] = fresh
            if content or added or deleted:
                yield b'M 100644 inline "%s"\n' % path.encode() + _data(b"\n".join(content) + b"\n")
        yield b"\n"


if __name__ == "__main__":
    print(replay(sys.argv[1], Path(sys.argv[2])), "commits")
