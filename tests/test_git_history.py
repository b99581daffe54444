"""The git history collector on real repositories: a hand-made one with the awkward cases (rename, binary
file, merge of a PR branch, a path with spaces and non-ASCII), and the synthetic one from bench/."""

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from etl.db import apply_schema
from etl.ingest.git_history import load_history
from etl.sources import git_log
from etl.sources.git_log import GitError, head, pr_reference, stream_log

from .conftest import buffer_limit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from synthetic_git import append_commits, build_repo  # noqa: E402


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True,
                          env={"GIT_AUTHOR_NAME": "Ann", "GIT_AUTHOR_EMAIL": "ann@example.com",
                               "GIT_COMMITTER_NAME": "Ann", "GIT_COMMITTER_EMAIL": "ann@example.com",
                               "GIT_AUTHOR_DATE": "2026-05-01T10:00:00+08:00",
                               "GIT_COMMITTER_DATE": "2026-05-01T10:00:00+08:00", "HOME": str(repo)}).stdout


@pytest.fixture
def awkward_repo(tmp_path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "core.py").write_text("".join(f"line {n}\n" for n in range(40)))
    (repo / "logo.bin").write_bytes(b"\x00\x01\x02binary")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "Initial import")
    git(repo, "mv", "core.py", "engine.py")
    (repo / "dir with space").mkdir()
    (repo / "dir with space" / "调度.py").write_text("x = 1\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "Move core to engine (#12)", "-m", "Longer body\n\nwith paragraphs")
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "feature.py").write_text("a\nb\nc\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "Add feature")
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "feature", "-m", "Merge pull request #15 from ann/feature",
        "-m", "Add the feature module")
    return repo


def test_commits_files_renames_binaries_and_pr_numbers(con, awkward_repo):
    stats = load_history(con, awkward_repo, "o/r")
    assert (stats.commits_read, stats.commits_added, stats.with_pr_number) == (4, 4, 2)
    commits = {row[0]: row[1:] for row in con.execute(
        "select subject, pr_number, pr_evidence, len(parents), body, committed_at from staging.git_commits").fetchall()}
    assert commits["Move core to engine (#12)"][:3] == (12, "squash_subject", 1)
    assert commits["Move core to engine (#12)"][3] == "Longer body\n\nwith paragraphs"
    assert commits["Merge pull request #15 from ann/feature"][:3] == (15, "merge_commit", 2)
    assert commits["Add feature"][0] is None
    assert str(commits["Initial import"][4]) == "2026-05-01 02:00:00"  # +08:00 stored as UTC
    files = con.execute("select c.subject, f.path, f.additions, f.deletions, f.old_path from staging.git_commit_files f "
                        "join staging.git_commits c using (repo, sha) order by all").fetchall()
    assert ("Initial import", "logo.bin", None, None, None) in files
    assert ("Move core to engine (#12)", "engine.py", 0, 0, "core.py") in files
    assert ("Move core to engine (#12)", "dir with space/调度.py", 1, 0, None) in files
    # the merge commit carries the PR's whole change (diffed against its first parent)
    assert ("Merge pull request #15 from ann/feature", "feature.py", 3, 0, None) in files
    assert con.execute("select count(*) from raw.git_logs").fetchone()[0] == 1


def test_incremental_loads_only_new_commits_and_a_rerun_adds_nothing(con, tmp_path):
    repo = build_repo(tmp_path / "synthetic", 300)
    first = load_history(con, repo, "sgl-project/sglang")
    append_commits(repo, 20, start_commit=300)
    second = load_history(con, repo, "sgl-project/sglang")
    third = load_history(con, repo, "sgl-project/sglang")
    assert first.commits_added == first.commits_read == 306
    assert second.commits_read == second.commits_added == 20
    assert third.commits_read == 0 and "already loaded" in third.revisions
    total = con.execute("select count(*), count(distinct sha) from staging.git_commits").fetchone()
    assert total == (326, 326)
    logged = int(subprocess.run(["git", "-C", str(repo), "rev-list", "--count", "HEAD"], capture_output=True,
                                text=True, check=True).stdout)
    assert logged == 326


def test_a_load_killed_part_way_is_completed_without_duplicates(con, tmp_path):
    repo = build_repo(tmp_path / "synthetic", 400)

    def crash_after_first_batch(message: str) -> None:
        raise KeyboardInterrupt(f"killed after: {message}")

    with pytest.raises(KeyboardInterrupt):
        load_history(con, repo, "sgl-project/sglang", batch_size=100, progress=crash_after_first_batch)
    assert con.execute("select count(*) from staging.git_commits").fetchone()[0] == 100
    assert con.execute("select count(*) from meta.git_tips").fetchone()[0] == 0
    resumed = load_history(con, repo, "sgl-project/sglang", batch_size=100)
    assert resumed.commits_added == resumed.commits_read - 100
    clean = duckdb.connect(str(tmp_path / "clean.duckdb"))
    apply_schema(clean)
    load_history(clean, repo, "sgl-project/sglang")
    query = "select count(*), count(distinct sha), (select count(*) from staging.git_commit_files) from staging.git_commits"
    assert con.execute(query).fetchone() == clean.execute(query).fetchone()
    clean.close()


def test_a_history_cut_into_pieces_lists_every_commit_once_with_the_same_files(tmp_path):
    repo = build_repo(tmp_path / "synthetic", 1200)
    tip = head(repo)
    assert len(git_log._split_points(repo, [tip], 4)) == 3  # two cores: four pieces
    raw_pieces, raw_whole = bytearray(), bytearray()
    pieces = [(c.sha, c.files) for c in stream_log(repo, [tip], keep_raw=raw_pieces.extend, workers=2)]
    whole = [(c.sha, c.files) for c in stream_log(repo, [tip], keep_raw=raw_whole.extend, workers=1)]
    assert raw_pieces.count(b"\x1e") == len(pieces) > 1200  # cut into pieces, each kept as git wrote it
    assert sorted(pieces) == sorted(whole) and len({sha for sha, _ in pieces}) == len(pieces)
    listed = subprocess.run(["git", "-C", str(repo), "rev-list", "HEAD"], capture_output=True, text=True,
                            check=True).stdout.split()
    assert sorted(listed) == sorted(sha for sha, _ in pieces)


def test_a_capped_load_caps_duckdb_meanwhile_and_resets_it(con, tmp_path):
    repo = build_repo(tmp_path / "synthetic", 300)

    def limit() -> float:
        return buffer_limit(con)

    default, during = limit(), []
    stats = load_history(con, repo, "o/r", batch_size=100, memory_limit="100MB", progress=lambda _: during.append(limit()))
    assert stats.commits_added == 306 and len(during) == 4 and set(during) == {95.3 * 2**20}  # a report per batch
    assert limit() == pytest.approx(default, rel=0.01)  # back to the limit before (as DuckDB rounds its text)


def test_not_a_repository_is_a_clear_error(con, tmp_path):
    with pytest.raises(GitError, match="not a git repository|rev-parse"):
        load_history(con, tmp_path, "o/r")


@pytest.mark.parametrize(("subject", "parents", "expected"), [
    ("Fix the scheduler (#123)", 1, (123, "squash_subject")),
    ('Revert "Fix the scheduler (#123)" (#130)', 1, (130, "squash_subject")),
    ("Merge pull request #77 from someone/branch", 2, (77, "merge_commit")),
    ("Merge pull request #77 from someone/branch", 1, (None, None)),  # not a merge: text only
    ("Mention #5 in passing", 1, (None, None)),
])
def test_pr_numbers_from_subjects(subject, parents, expected):
    assert pr_reference(subject, parents) == expected
