"""The bundled sample git history (samples/git/sglang_history.jsonl) as a real repository, for the demo and
the tests: one squash commit "Title (#N)" per PR, or a PR branch with a "Merge pull request" commit,
changing exactly the listed line counts. Dates and authors are fixed, so the commit ids are the same
on every machine and a rebuilt clone is already loaded."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

from ..paths import SAMPLES_DIR

SAMPLE_HISTORY = SAMPLES_DIR / "git" / "sglang_history.jsonl"
SAMPLE_REMOTE = "https://github.com/sgl-project/sglang.git"
BASE_LINES = 200  # every file starts this long, so that commits have lines to delete


def _data(text: str) -> bytes:
    raw = text.encode()
    return b"data %d\n%s\n" % (len(raw), raw)


def _fast_import_stream(records: list[dict]) -> bytes:
    files: dict[str, list[str]] = {}
    counter = 0

    def lines_for(path: str, count: int) -> list[str]:
        nonlocal counter
        counter += count
        return [f"# {path}: line {n}" for n in range(counter - count, counter)]

    first = int(datetime.fromisoformat(records[0]["committed_at"]).timestamp()) - 86400
    stream = [b"commit refs/heads/main\nmark :1\n",
              b"committer sglang-bot <bot@example.com> %d +0000\n" % first, _data("Initial import")]
    for path in sorted({p for record in records for p in record["files"]}):
        files[path] = lines_for(path, BASE_LINES)
        stream.append(b"M 100644 inline %s\n" % path.encode() + _data("\n".join(files[path]) + "\n"))
    stream.append(b"\n")
    for mark, record in enumerate(records, start=2):
        when = int(datetime.fromisoformat(record["committed_at"]).timestamp())
        who = record["author"].encode()
        branch = record.get("merged_from")
        ref = b"refs/heads/pr" if branch else b"refs/heads/main"
        if branch:
            stream.append(b"reset refs/heads/pr\nfrom refs/heads/main\n")
        stream += [b"commit %s\nmark :%d\n" % (ref, mark),
                   b"author %s <%s@users.noreply.github.com> %d +0000\n" % (who, who, when - 600),
                   b"committer %s <%s@users.noreply.github.com> %d +0000\n" % (who, who, when - 600),
                   _data(record["title"] if branch else f"{record['title']} (#{record['number']})")]
        changes = []
        for path, (added, deleted) in record["files"].items():
            files[path] = files[path][deleted:] + lines_for(path, added)
            changes.append(b"M 100644 inline %s\n" % path.encode() + _data("\n".join(files[path]) + "\n"))
        stream += [*changes, b"\n"]
        if branch:  # fast-import does not merge trees: the merge commit states the merged files itself
            message = f"Merge pull request #{record['number']} from {branch}\n\n{record['title']}"
            stream += [b"commit refs/heads/main\n", b"committer GitHub <noreply@github.com> %d +0000\n" % when,
                       _data(message), b"merge :%d\n" % mark, *changes, b"\n"]
    return b"".join(stream)


def build_sample_clone(dest: Path) -> Path:
    """(Re)create the sample repository at dest and return its path."""
    dest = Path(dest)
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    records = [json.loads(line) for line in SAMPLE_HISTORY.read_text(encoding="utf-8").splitlines() if line.strip()]

    def git(*args: str, **kwargs) -> None:
        subprocess.run(["git", "-C", str(dest), *args], check=True, capture_output=True, **kwargs)

    git("init", "-q", "-b", "main")
    git("fast-import", "--quiet", input=_fast_import_stream(records))
    git("reset", "-q", "--hard", "main")
    git("remote", "add", "origin", SAMPLE_REMOTE)
    return dest
