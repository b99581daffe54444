"""Regression evidence from every source: the link reading measured on labelled examples, links from a real
git history alone, one link per pair whatever the sources, and line history (SZZ) confirming, disputing or
only suspecting. Repositories are real, built here with git."""

from __future__ import annotations

import subprocess
from pathlib import Path

import duckdb
import pytest

from bench.eval_links import DATA, HOLDOUT, REAL_HOLDOUT, REAL_LABELS, evaluate, real_examples
from etl.parsing import parse_bytes
from etl.parsing.key_files import parse_key_files
from etl.parsing.pr_text import text_claims
from etl.pipeline import run_ingest

from .replay_server import Recorded, ReplayServer

REPO = "acme/engine"
FLOORS = {"revert": (0.95, 0.85), "regression": (0.9, 0.8), "follow_up": (0.9, 0.8)}


@pytest.mark.parametrize("labelled", [DATA, HOLDOUT], ids=["labelled", "second_set"])
def test_the_link_reading_meets_its_floors(labelled):
    scores = evaluate(labelled)
    assert scores["all"]["examples"] >= (120 if labelled == DATA else 30)
    for relation, (precision, recall) in FLOORS.items():
        assert scores["all"][relation]["precision"] >= precision, (relation, scores["all"][relation])
        assert scores["all"][relation]["recall"] >= recall, (relation, scores["all"][relation])
    assert scores["all"]["direction"] == 1.0


# The samples taken after the rules read 12 regressions where 12 are labelled, 9 of them right (false ones
# from a bullet naming what an earlier PR removed and from another project's fix; missed ones said a
# sentence away from the mention): the floors are what they measured.
@pytest.mark.parametrize("labels,precision,recall", [(REAL_LABELS, 0.9, 0.8), (REAL_HOLDOUT, 0.7, 0.7)],
                         ids=["labelled", "sampled_after_the_rules"])
def test_the_link_reading_on_real_commit_messages(labels, precision, recall):
    examples = real_examples(labels)
    if not examples:
        pytest.skip("../shared/real_git is not beside the checkout")
    scores = evaluate(examples)["all"]
    for relation in ("revert", "regression"):
        assert scores[relation]["precision"] >= precision and scores[relation]["recall"] >= recall, scores
    assert scores["issue"]["precision"] >= 0.95 and scores["direction"] == 1.0
    assert scores["accuracy"] >= 0.9 and scores["negatives"]["right"] == scores["negatives"]["of"], scores


def test_a_mirrored_commit_names_the_other_repositorys_pr_not_ours():
    """A commit mirrored from another repository keeps that repository's PR number in its subject; the body's
    `Pull Request resolved:` line says whose it is (and is no closing keyword)."""
    claims = text_claims("Tidy the includes (#99001) (#120)",
                         "Summary: Pull Request resolved: https://github.com/acme/core/pull/99001\n", repo=REPO, own=120)
    assert [(c.ref_repo, c.ref_number, c.ref_kind) for c in claims] == [("acme/core", 99001, "pr")]
    claims = text_claims("Tidy the includes (#99) (#120)", "Cherry-picked from #99.", repo=REPO, own=120)
    assert [(c.ref_repo, c.ref_number, c.relation) for c in claims] == [(REPO, 99, "follow_up")]


# ---- a real repository ---------------------------------------------------------------------------------------

class History:
    """Commits made one by one, each a squash-merged PR, with its own time."""

    def __init__(self, path: Path):
        self.path, self.time = path, 1_780_000_000
        subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
        self.files: dict[str, list[str]] = {}

    def commit(self, subject: str, body: str = "", *, writes: dict[str, list[str]] | None = None,
               replaces: dict[str, dict[int, str]] | None = None, adds: dict[str, list[str]] | None = None) -> str:
        for path, lines in (writes or {}).items():
            self.files[path] = list(lines)
        for path, changes in (replaces or {}).items():
            for at, text in changes.items():
                self.files[path][at] = text
        for path, lines in (adds or {}).items():
            self.files[path] = self.files.get(path, []) + lines
        for path, lines in self.files.items():
            (self.path / path).write_text("\n".join(lines) + "\n")
        self.time += 3600
        env = {"GIT_AUTHOR_DATE": f"{self.time} +0000", "GIT_COMMITTER_DATE": f"{self.time} +0000",
               "GIT_AUTHOR_NAME": "dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
               "GIT_COMMITTER_NAME": "dev", "GIT_COMMITTER_EMAIL": "dev@example.com", "PATH": "/usr/bin:/bin"}
        subprocess.run(["git", "-C", str(self.path), "add", "-A"], check=True, env=env)
        subprocess.run(["git", "-C", str(self.path), "commit", "-q", "--allow-empty", "-m", subject, "-m", body or " "],
                       check=True, env=env)
        return subprocess.run(["git", "-C", str(self.path), "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()


def _lines(tag: str, count: int) -> list[str]:
    return [f"{tag}_{i} = compute({i})" for i in range(count)]


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> Path:
    h = History(tmp_path_factory.mktemp("history") / "clone")
    h.commit("Add the fused rope kernel (#201)", writes={"rope.py": _lines("rope", 8)})
    h.commit("Fix the NaN introduced in #201 (#202)", replaces={"rope.py": {2: "rope_2 = compute(2) or 0", 3: "x = 1"}})
    h.commit("Speed up the scheduler loop for long prompts (#203)", writes={"sched.py": _lines("sched", 6)})
    cache = h.commit("Cache the tokenizer vocabulary (#204)", writes={"tok.py": _lines("tok", 5)})
    h.commit('Revert "Speed up the scheduler loop for long…" (#205)', replaces={"sched.py": {0: "sched_0 = None"}})
    h.commit('Revert "Cache the tokenizer vocabulary" (#206)', f"This reverts commit {cache}.",
             replaces={"tok.py": {1: "tok_1 = None"}})
    h.commit("Add request metrics (#220)", writes={"metrics.py": _lines("metric", 4)})
    h.commit('Revert "Add request metrics" (#215)', replaces={"metrics.py": {0: "metric_0 = None"}})  # older number
    h.commit("Fix the overflow introduced in #203 (#230)", replaces={"rope.py": {5: "rope_5 = clamp(5)"}})
    h.commit("Fix the crash introduced in #204 (#240)", adds={"tok.py": ["guard_tokens()"]})  # only adds lines
    return h.path


@pytest.fixture(scope="module")
def git_only(history, tmp_path_factory) -> Path:
    database = tmp_path_factory.mktemp("git_only") / "w.duckdb"
    summary = run_ingest(str(database), locations=[], include_sample=False, github_repos=[],
                         git_clones=[f"{REPO}={history}"])
    assert summary.success, summary.error
    return database


def links(database: Path) -> dict[tuple[int, int], tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return {(r[0], r[1]): r[2:] for r in con.execute(
            "select from_number, to_number, relation, sources, status, in_chains from pr_links").fetchall()}


def test_a_git_history_alone_yields_revert_and_regression_links_and_chains(git_only):
    found = links(git_only)
    assert found[(201, 202)] == ("regression", ["git", "szz"], "confirmed", True)
    # reverts: line history agrees with each, since each revert rewrote lines of the PR it names
    assert found[(203, 205)] == ("revert", ["git", "szz"], "confirmed", True)  # a title cut with …
    assert found[(204, 206)] == ("revert", ["git", "szz"], "confirmed", True)  # title and "This reverts commit"
    assert found[(220, 215)] == ("revert", ["git", "szz"], "confirmed", True)  # merged first, larger number
    with duckdb.connect(str(git_only), read_only=True) as con:
        chains = {tuple(r[0]) for r in con.execute("select member_numbers from regression_chains").fetchall()}
    assert {(201, 202), (220, 215)} <= chains


def test_line_history_confirms_disputes_and_suspects(git_only):
    found = links(git_only)
    # #230 says #203 broke it, but the lines it changed were #201's: the claim stays, disputed, out of chains
    assert found[(203, 230)][0] == "regression" and found[(203, 230)][2:] == ("disputed", False)
    assert found[(201, 230)] == ("regression", ["szz"], "suspected", False)
    # #240 only adds a guard: nothing to blame, recorded as such, and the claim stands
    assert found[(204, 240)][2] == "claimed"
    with duckdb.connect(str(git_only), read_only=True) as con:
        assert con.execute("select fix_lines from meta.szz_fixes where fix_number = 240").fetchall() == [(0,)]
        evidence = con.execute("select claims from pr_links where from_number = 201 and to_number = 202").fetchone()[0]
    assert {c["source"] for c in evidence} == {"git", "szz"} and all(c["evidence"] for c in evidence)


def test_a_rerun_with_nothing_new_blames_nothing(history, git_only, tmp_path):
    copy = tmp_path / "w.duckdb"
    copy.write_bytes(git_only.read_bytes())
    with duckdb.connect(str(copy)) as con:
        before = con.execute("select count(*), max(analysed_at) from meta.szz_fixes").fetchone()
    summary = run_ingest(str(copy), locations=[], include_sample=False, github_repos=[],
                         git_clones=[f"{REPO}={history}"])
    assert summary.success
    with duckdb.connect(str(copy), read_only=True) as con:
        assert con.execute("select count(*), max(analysed_at) from meta.szz_fixes").fetchone() == before


def test_reports_git_and_github_on_the_same_pair_make_one_link(history, tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "202.md").write_text(
        f"# PR #202 完整报告\n\n{REPO}\n\n修复 rope 的 NaN\n\n## 执行摘要\n\n- 一句话: 修复 NaN。\n\n"
        "## 功能与动机\n\nPR #201 引入的融合 rope 内核在长序列上产生 NaN。\n", encoding="utf-8")
    pulls = [{"number": n, "title": t, "body": b, "state": "closed", "user": {"login": "dev"},
              "updated_at": f"2026-06-0{day}T00:00:00Z", "merged_at": f"2026-06-0{day}T00:00:00Z"}
             for day, n, t, b in [(2, 202, "Fix the NaN", "The fused kernel from #201 returns NaN for long inputs."),
                                  (1, 201, "Add the fused rope kernel", "")]]
    with ReplayServer() as api:
        api.route(r"/repos/.*/pulls/\d+/(files|reviews|comments)\?per_page=100", Recorded.json([]))
        api.route(rf"/repos/{REPO}/pulls\?.*", Recorded.json(pulls))
        database = tmp_path / "w.duckdb"
        summary = run_ingest(str(database), locations=[str(reports)], include_sample=False, github_repos=[REPO],
                             github_api_url=api.base_url, git_clones=[f"{REPO}={history}"])
    assert summary.success, summary.error
    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.execute("select relation, sources, status from pr_links where from_number = 201 "
                           "and to_number = 202").fetchall()
    assert rows == [("regression", ["git", "github", "report", "szz"], "confirmed")]


# ---- report fields --------------------------------------------------------------------------------------------

def test_key_file_lines_with_full_width_fields_and_cut_entries():
    whole, cut = parse_key_files([
        "- `python/sglang/a.py`（模块 执行器；类别 `source`；类型 `core-logic`；符号 `f`, `g`）：核心。",
        "- `python/sglang/b.py`（模块 内存池；类别 source；类型 core-logic；符号 _clear_buffers, get_cpu_co"])
    assert (whole.module_label, whole.category, whole.file_type, whole.symbols) == ("执行器", "source", "core-logic",
                                                                                   ["f", "g"])
    assert (cut.path, cut.module_label, cut.file_type, cut.symbols) == ("python/sglang/b.py", "内存池", "core-logic",
                                                                        ["_clear_buffers"])


def test_titles_keep_their_inline_code_marks():
    report = parse_bytes("# PR #9 完整报告\n\no/r\n\nAdd `max_concurrent_batches` to **the** scheduler\n\n"
                         "## 执行摘要\n\n- 一句话: 测试。\n".encode())
    assert report.title == "Add `max_concurrent_batches` to the scheduler"


def test_the_rules_cheap_tests_never_change_a_reading(monkeypatch):
    """A rule's gate words and failure flag only skip patterns that could not match: every labelled example
    reads the same with them switched off."""
    import dataclasses

    from bench.eval_links import load, predict
    from etl.parsing import relations

    examples = load(DATA) + load(HOLDOUT)
    gated = [predict(example) for example in examples]
    monkeypatch.setattr(relations, "RULES", tuple(dataclasses.replace(rule, gate=None, failure=False)
                                                  for rule in relations.RULES))
    assert [predict(example) for example in examples] == gated
