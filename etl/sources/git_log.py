"""Git history from a local clone: one `git log` with numstat, streamed and parsed as it arrives. Merge
commits are diffed against their first parent, so a merged PR branch shows the PR's whole change on
its merge commit, as a squash merge does on its single commit."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ..parsing.identity import pr_number

FIELDS = ("sha", "parents", "author_name", "author_email", "authored_at", "committed_at", "subject", "body")
# RS opens each commit; US separates its fields; -z ends the header and every numstat entry with NUL.
LOG_FORMAT = "--format=%x1e" + "%x1f".join(("%H", "%P", "%an", "%ae", "%aI", "%cI", "%s", "%b")) + "%x1f"
SQUASH_SUBJECT = re.compile(r"\(#(\d+)\)\s*$")
MERGE_SUBJECT = re.compile(r"^Merge pull request #(\d+) from ")
GITHUB_REMOTE = re.compile(r"github\.com[:/]+([\w.-]+/[\w.-]+?)(?:\.git)?/?$")
CHUNK = 1 << 20


class GitError(RuntimeError):
    """The clone cannot be read (not a repository, git missing, git failed)."""


@dataclass
class Commit:
    sha: str
    parents: list[str]
    author_name: str
    author_email: str
    authored_at: datetime | None
    committed_at: datetime | None
    subject: str
    body: str
    pr_number: int | None
    pr_evidence: str | None
    files: list[tuple[str, int | None, int | None, str | None]] = field(default_factory=list)  # path, +, -, old


def _git(clone: Path, *args: str) -> str:
    try:
        result = subprocess.run(["git", "-C", str(clone), *args], capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    if result.returncode != 0:
        raise GitError(f"git {' '.join(args)} in {clone}: {result.stderr.strip() or 'failed'}")
    return result.stdout.strip()


def head(clone: Path) -> str:
    return _git(clone, "rev-parse", "--verify", "HEAD^{commit}")


def has_commit(clone: Path, sha: str) -> bool:
    try:
        _git(clone, "cat-file", "-e", f"{sha}^{{commit}}")
        return True
    except GitError:
        return False


def repo_from_remote(clone: Path) -> str | None:
    """owner/repo of the clone's GitHub origin, when it has one."""
    try:
        match = GITHUB_REMOTE.search(_git(clone, "remote", "get-url", "origin"))
    except GitError:
        return None
    return match.group(1) if match else None


def _time(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value).astimezone(UTC).replace(tzinfo=None)
    except ValueError:
        return None


def _count(value: bytes) -> int | None:
    return None if value == b"-" else int(value)  # "-" for binary files


def pr_reference(subject: str, parent_count: int) -> tuple[int | None, str | None]:
    if parent_count > 1 and (match := MERGE_SUBJECT.match(subject)) and (number := pr_number(match.group(1))):
        return number, "merge_commit"
    if (match := SQUASH_SUBJECT.search(subject)) and (number := pr_number(match.group(1))):
        return number, "squash_subject"
    return None, None


def parse_record(record: bytes) -> Commit:
    *header, numstat = record.split(b"\x1f", len(FIELDS))
    values = dict(zip(FIELDS, (part.decode("utf-8", "replace") for part in header), strict=True))
    parents = values["parents"].split()
    number, evidence = pr_reference(values["subject"], len(parents))
    commit = Commit(values["sha"], parents, values["author_name"], values["author_email"],
                    _time(values["authored_at"]), _time(values["committed_at"]), values["subject"],
                    values["body"].strip(), number, evidence)
    entries = iter(numstat.split(b"\0"))
    for entry in entries:
        entry = entry.lstrip(b"\n")
        if not entry:
            continue
        added, deleted, path = entry.split(b"\t", 2)
        old = None
        if not path:  # a rename: the old and new paths follow as their own NUL-terminated entries
            old, path = next(entries), next(entries)
        commit.files.append((path.decode("utf-8", "replace"), _count(added), _count(deleted),
                             old.decode("utf-8", "replace") if old is not None else None))
    return commit


def stream_log(clone: Path, revisions: list[str], keep_raw: Callable[[bytes], None] | None = None) -> Iterator[Commit]:
    """Commits of `git log <revisions>`, newest first, parsed while git is still writing."""
    command = ["git", "-C", str(clone), "-c", "core.quotepath=off", "log", "-z", "--numstat", "-M",
               "--diff-merges=first-parent", LOG_FORMAT, *revisions, "--"]
    try:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    pending = b""
    try:
        while chunk := process.stdout.read(CHUNK):
            if keep_raw:
                keep_raw(chunk)
            records = (pending + chunk).split(b"\x1e")
            pending = records.pop()
            for record in records:
                if record:
                    yield parse_record(record)
        if pending:
            yield parse_record(pending)
    finally:
        process.stdout.close()
        error = process.stderr.read().decode("utf-8", "replace").strip()
        process.stderr.close()
        if process.wait() != 0 and error:
            raise GitError(f"git log in {clone}: {error}")
