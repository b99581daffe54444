"""Line history as a second opinion on regression claims (the SZZ method): for each PR that any source
calls a fix or a revert, take the lines its commit deleted or changed (blank, comment-only and
whitespace-only changes left out), blame them at the commit's first parent, and map the commits that
wrote them to their PRs. Each PR so found is a candidate introducer, with the files, the line count and
its share of the fix's lines (staging.szz_candidates).

A fix that only adds lines (a "ghost" fix) blames nothing: that is recorded (meta.szz_fixes.fix_lines = 0),
never guessed. Every analysed fix is recorded, so a rerun with nothing new runs no git at all; the work is
spread over the machine's cores (each fix is a few git processes)."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..db import transaction, utc_now
from .arrow_rows import RowBuffer

# The PRs some source calls a fix or a revert of another, with the commit git has for each, not analysed yet.
FIXES_SQL = """
with fix_numbers as (
    select r.repo, case when x.referenced_is = 'earlier' then r.pr_number else x.ref_number end as number
    from staging.report_references x join staging.report_versions r using (document_id)
    where x.ref_kind = 'pr' and x.relation in ('regression', 'revert') and r.repo = $repo
    union
    select repo, case when referenced_is = 'earlier' then pr_number else ref_number end
    from staging.text_claims
    where repo = $repo and relation in ('regression', 'revert')
      and (ref_number is not null or referenced_is = 'earlier')
),

commits as (
    select pr_number as number, arg_max(sha, committed_at) as sha
    from staging.git_commits where repo = $repo and pr_number is not null group by pr_number
)

select distinct c.number, c.sha
from fix_numbers f join commits c using (number)
where f.number is not null
  and not exists (select 1 from meta.szz_fixes s where s.repo = $repo and s.fix_sha = c.sha)
order by c.number
"""
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_COMMENT_ONLY = re.compile(r"^\s*(?:#|//|/\*|\*/|\*(?:\s|$)|--|<!--|\"\"\"|''')")
_BLAME_HEADER = re.compile(rb"^([0-9a-f]{40}) \d+ (\d+)(?: \d+)?$")


@dataclass
class FixLines:
    """The lines of one file a fix deleted or changed, by line number in the parent's version."""
    old_path: str
    lines: list[int] = field(default_factory=list)


@dataclass
class Blame:
    number: int
    sha: str
    fix_lines: int = 0  # lines blamed (of a large fix, its sample)
    by_commit: dict[str, tuple[int, set[str]]] = field(default_factory=dict)  # sha -> (lines, files)
    scale: float = 1.0  # lines the fix changed for each line blamed


# A fix that rewrites more lines than this (a revert of a large PR, a refactor) is blamed on a sample of its
# lines spread evenly over its files and hunks: who wrote them shows as well in a few hundred lines as in
# thousands, and blame's cost grows with every line (a few large fixes hold most of the lines: docs/benchmarks.md).
MAX_BLAMED_LINES = 200


@dataclass
class SzzStats:
    fixes: int = 0
    ghost_fixes: int = 0
    candidates: int = 0


def _git(clone: Path, *args: str) -> bytes:
    result = subprocess.run(["git", "-C", str(clone), *args], capture_output=True, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"git {' '.join(args[:2])} in {clone}: {result.stderr.decode(errors='replace').strip()}")
    return result.stdout


def changed_lines(diff: str) -> list[FixLines]:
    """From a `git diff -U0`: per old file, the deleted or changed lines worth blaming."""
    files: list[FixLines] = []
    current: FixLines | None = None
    removed: list[tuple[int, str]] = []
    added: set[str] = set()
    old_line = 0

    def close_hunk() -> None:
        if current is not None:
            # a line deleted and added back with other white space is not a change of substance
            current.lines.extend(n for n, text in removed if "".join(text.split()) not in added)
        removed.clear()
        added.clear()

    for line in diff.split("\n"):
        if line.startswith("diff --git "):
            close_hunk()
            current = None
        elif line.startswith("--- "):
            path = line[4:]
            current = None if path == "/dev/null" else FixLines(path[2:] if path.startswith("a/") else path)
            if current is not None:
                files.append(current)
        elif line.startswith("@@"):
            close_hunk()
            m = _HUNK.match(line)
            old_line = int(m.group(1)) if m else 0
        elif current is not None and line.startswith("-") and not line.startswith("---"):
            text = line[1:]
            if text.strip() and not _COMMENT_ONLY.match(text):
                removed.append((old_line, text))
            old_line += 1
        elif current is not None and line.startswith("+") and not line.startswith("+++"):
            added.add("".join(line[1:].split()))
    close_hunk()
    return [f for f in files if f.lines]


def _ranges(lines: list[int]) -> Iterator[tuple[int, int]]:
    lines = sorted(set(lines))
    start = prev = lines[0]
    for n in lines[1:]:
        if n != prev + 1:
            yield start, prev
            start = n
        prev = n
    yield start, prev


def blame_fix(clone: Path, number: int, sha: str) -> Blame:
    result = Blame(number, sha)
    diff = _git(clone, "diff", "-U0", "--no-color", "--no-ext-diff", "-M", f"{sha}^1", sha).decode("utf-8", "replace")
    files = changed_lines(diff)
    total = sum(len(fix.lines) for fix in files)
    if total > MAX_BLAMED_LINES:
        files, result.scale = _sample(files, total), total / MAX_BLAMED_LINES
    for fix in files:
        args = [arg for start, end in _ranges(fix.lines) for arg in ("-L", f"{start},{end}")]
        try:
            porcelain = _git(clone, "blame", "--porcelain", "-w", *args, f"{sha}^1", "--", fix.old_path)
        except RuntimeError:
            continue  # the path is not in the parent (a file the diff's rename detection paired oddly)
        for line in porcelain.split(b"\n"):
            if m := _BLAME_HEADER.match(line):
                blamed = m.group(1).decode()
                count, paths = result.by_commit.get(blamed, (0, set()))
                result.by_commit[blamed] = (count + 1, paths | {fix.old_path})
                result.fix_lines += 1
    return result


def _sample(files: list[FixLines], total: int) -> list[FixLines]:
    """MAX_BLAMED_LINES of the files' lines, evenly spaced over all of them in order."""
    picked = {int(k * total / MAX_BLAMED_LINES) for k in range(MAX_BLAMED_LINES)}
    sampled, at = [], 0
    for fix in files:
        lines = [n for i, n in enumerate(fix.lines, at) if i in picked]
        at += len(fix.lines)
        if lines:
            sampled.append(FixLines(fix.old_path, lines))
    return sampled


def analyse(con, repo: str, clone: Path, *, workers: int | None = None,
            progress: Callable[[str], None] | None = None) -> SzzStats:
    """Blame every fix of the repo not analysed yet; write candidates and the record of each fix."""
    stats = SzzStats()
    fixes = con.execute(FIXES_SQL, {"repo": repo}).fetchall()
    if not fixes:
        return stats
    _write_commit_graph(clone)
    workers = workers or os.cpu_count() or 1
    with ThreadPoolExecutor(workers) as pool:
        blames = list(pool.map(lambda fix: _blame_or_empty(clone, *fix), fixes))
    shas = sorted({sha for b in blames for sha in b.by_commit})
    pr_of = dict(con.execute("select sha, pr_number from staging.git_commits where repo = ? and list_contains(?, sha) "
                             "and pr_number is not null", [repo, shas]).fetchall()) if shas else {}
    candidates = RowBuffer("staging.szz_candidates")
    analysed = RowBuffer("meta.szz_fixes")
    now = utc_now()
    for blame in blames:
        stats.fixes += 1
        stats.ghost_fixes += blame.fix_lines == 0
        by_pr: dict[int, list] = defaultdict(lambda: [0, set(), set()])
        for sha, (count, paths) in blame.by_commit.items():
            number = pr_of.get(sha)
            if number is not None and number != blame.number:
                entry = by_pr[number]
                entry[0] += count
                entry[1].add(sha)
                entry[2] |= paths
        for number, (count, commits, paths) in by_pr.items():
            stats.candidates += 1
            candidates.add(repo=repo, fix_number=blame.number, fix_sha=blame.sha, introducer_number=number,
                           introducer_shas=sorted(commits), lines=round(count * blame.scale),
                           fix_lines=round(blame.fix_lines * blame.scale), share=count / blame.fix_lines,
                           files=sorted(paths))
        analysed.add(repo=repo, fix_sha=blame.sha, fix_number=blame.number,
                     fix_lines=round(blame.fix_lines * blame.scale),
                     blamed_lines=round(sum(entry[0] for entry in by_pr.values()) * blame.scale), analysed_at=now)
    with transaction(con):
        candidates.insert(con, on_conflict="replace")
        analysed.insert(con, on_conflict="replace")
    if progress:
        progress(f"szz {repo}: {stats.fixes} fixes blamed ({stats.ghost_fixes} only add lines), "
                 f"{stats.candidates} candidate introducers")
    return stats


def _write_commit_graph(clone: Path) -> None:
    """Git's commit-graph with changed-path Bloom filters, for the commits it does not cover yet (`--split` adds
    a layer): blame skips the commits that did not touch a file without opening them (a third less time on the
    replayed pytorch/ao history, for a fraction of a second to write it: docs/benchmarks.md). It is git's own
    cache, the one `git gc` and `git maintenance` write; a clone that refuses it is blamed without it."""
    with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
        _git(clone, "commit-graph", "write", "--reachable", "--changed-paths", "--split")


def _blame_or_empty(clone: Path, number: int, sha: str) -> Blame:
    try:
        return blame_fix(clone, number, sha)
    except (RuntimeError, subprocess.TimeoutExpired):
        return Blame(number, sha)  # a root commit, or one the clone no longer has: nothing to blame against
