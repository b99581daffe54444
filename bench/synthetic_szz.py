"""A synthetic repository with known regression introducers, for measuring line history (SZZ).

Every commit is a squash-merged PR ("Title (#N)"). Most edit a few lines of one file; one in fifteen is a
fix that rewrites lines one earlier PR wrote (its subject names that PR, so the text claims it), and one in
five of those fixes only adds lines (a "ghost" fix that blames nothing). Who wrote every line is tracked
as the history is made, so the true introducer of each fix is known. Built with `git fast-import`, fast
and the same on every machine."""

from __future__ import annotations

import random
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

REPO = "acme/engine"


@dataclass
class Truth:
    fixes: dict[int, int] = field(default_factory=dict)  # fix PR -> the PR whose lines it rewrote
    ghost_fixes: set[int] = field(default_factory=set)   # fixes that only add lines


def _data(text: str) -> bytes:
    raw = text.encode()
    return b"data %d\n%s\n" % (len(raw), raw)


def build(folder: Path, commits: int = 20_000, files: int = 300, seed: int = 7) -> Truth:
    """A clone at `folder` of `commits` PR commits over `files` files; returns the true introducers."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(folder)], check=True)
    paths = [f"src/module_{i // 20}/part_{i}.py" for i in range(files)]
    contents: dict[str, list[tuple[str, int]]] = {p: [] for p in paths}  # line text, PR that wrote it
    truth = Truth()
    stream: list[bytes] = []
    when = 1_700_000_000
    serial = 0

    def line(number: int) -> str:
        nonlocal serial
        serial += 1
        return f"value_{serial} = compute({number}, {rng.randint(0, 10**6)})"

    for number in range(1, commits + 1):
        when += rng.randint(60, 3600)
        path = rng.choice(paths)
        lines = contents[path]
        subject = f"Improve {path.rsplit('/', 1)[-1]} handling (#{number})"
        owners = {}
        for i, (_, owner) in enumerate(lines):
            owners.setdefault(owner, []).append(i)
        candidates = [o for o, at in owners.items() if len(at) >= 2 and o != 0]
        if number > 50 and number % 15 == 0 and candidates:
            introducer = rng.choice(candidates)
            truth.fixes[number] = introducer
            subject = f"Fix the crash introduced in #{introducer} (#{number})"
            if number % 75 == 0:  # one fix in five only adds a guard
                truth.ghost_fixes.add(number)
                at = owners[introducer][0]
                lines.insert(at, (f"check_guard_{number}()", number))
            else:
                for at in rng.sample(owners[introducer], min(3, len(owners[introducer]))):
                    lines[at] = (line(number), number)
        elif lines and rng.random() < 0.5:
            for at in rng.sample(range(len(lines)), min(len(lines), rng.randint(1, 3))):
                lines[at] = (line(number), number)
        else:
            at = rng.randint(0, len(lines))
            lines[at:at] = [(line(number), number) for _ in range(rng.randint(2, 6))]
        stream.append(b"commit refs/heads/main\n")
        stream.append(b"committer Dev <dev@example.com> %d +0000\n" % when)
        stream.append(_data(subject))
        stream.append(b"M 100644 inline %s\n" % path.encode())
        stream.append(_data("\n".join(text for text, _ in lines) + "\n"))
    subprocess.run(["git", "-C", str(folder), "fast-import", "--quiet"], input=b"".join(stream), check=True)
    subprocess.run(["git", "-C", str(folder), "reset", "-q", "--hard", "main"], check=True)
    return truth
