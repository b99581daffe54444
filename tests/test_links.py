"""Regression evidence from every source: the link reading measured on labelled examples, links from a real
git history alone, one link per pair whatever the sources, and line history (SZZ) confirming, disputing or
only suspecting. Repositories are real, built here with git."""

from __future__ import annotations

import subprocess
from pathlib import Path

import duckdb
import pytest

from bench import link_training
from bench.eval_links import score
from etl.parsing import link_model, parse_bytes, parser_version
from etl.parsing.key_files import parse_key_files
from etl.parsing.pr_text import text_claims
from etl.pipeline import run_ingest

from .replay_server import Recorded, ReplayServer

REPO = "acme/engine"


def test_the_shipped_reader_was_trained_on_the_labels_and_features_as_they_are():
    """CI does not train: the committed model must be retrained (`make train-links`) whenever its labels or the
    code that makes its features change."""
    model = link_model.active_model()
    assert model is not None, "etl/parsing/link_model.json is missing: run `make train-links`"
    assert model.document["inputs_digest"] == link_training.inputs_digest(), \
        "the link model is older than its training labels or features: run `make train-links`"


def test_the_held_out_figures_the_model_was_shipped_with():
    """Each real history read by a reader trained without it, as `make train-links` measured it: the floors are
    what this model reached (see docs/links.md), so a retrained model that reads worse fails here."""
    held_out = link_model.active_model().document["leave_one_history_out"]
    assert set(held_out) == set(link_training.HISTORIES)

    def mean(relation: str, measure: str) -> float:
        values = [h["reader"][relation][measure] for h in held_out.values()
                  if h["reader"][relation]["support"] and h["reader"][relation][measure] is not None]
        return sum(values) / len(values)

    assert mean("revert", "recall") >= 0.85
    assert mean("regression", "precision") >= 0.6 and mean("regression", "recall") >= 0.6
    assert mean("follow_up", "precision") >= 0.5 and mean("follow_up", "recall") >= 0.5


@pytest.mark.parametrize("written", link_training.WRITTEN, ids=lambda path: path.stem)
def test_the_shipped_reader_reads_the_written_sets(written):
    """What it was trained on, it reads: a broken feature or a model file out of step shows here first. (The
    written commits hold the hardest cases on purpose; they read about 0.9.)"""
    scores = score(link_training.written_examples(written), link_model.active_model())
    floor = 0.85 if written.parent.name == "written_commits" else 0.95
    assert scores["accuracy"] >= floor, [(e.raw["text"], r) for e, r, _ in scores["errors"]][:10]


@pytest.mark.parametrize("body,relation", [
    ("#89 didn't break anything; the flake is older.", "reference"),
    ("This is not a regression from #90.", "reference"),
    ("Decoding works without errors after #91.", "reference"),
    ("The workaround is no longer needed after #92.", "reference"),
    ("After #94, loading the checkpoint no longer works.", "regression"),
    ("#95 没有引入任何问题，只是改了同一个文件。", "reference"),
], ids=["didnt_break", "not_a_regression", "without_errors", "no_longer_needed", "no_longer_works", "zh_negated"])
def test_a_failure_said_not_to_have_happened_makes_no_causal_link(body, relation):
    claims = text_claims("Tidy the loader (#200)", body, repo=REPO, own=200)
    assert [c.relation for c in claims] == [relation]


@pytest.mark.parametrize("body", [
    "Reverts Acme/Engine#123",
    "Revert [#123](https://github.com/acme/engine/pull/123)",
    "This reverts PR 123.",
    "This reverts PR123.",
])
def test_the_same_repository_written_any_way_is_read_like_a_bare_number(body):
    claims = text_claims("Revert the fused kernel (#200)", body, repo=REPO, own=200)
    assert [(c.ref_repo, c.ref_number, c.ref_kind, c.relation) for c in claims] == [(REPO, 123, "pr", "revert")]


def test_numbers_in_code_and_compiler_warnings_are_no_links():
    body = ("Fixes the install error below.\n```\n#42 15.84 Traceback (most recent call last)\n```\n"
            "Also silences `warning #68-D: integer conversion` from nvcc. Broken by #55.")
    claims = text_claims("Fix the install (#200)", body, repo=REPO, own=200)
    assert [(c.ref_number, c.relation) for c in claims] == [(55, "regression")]


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


def test_line_history_confirms_and_suspects_but_never_vetoes(git_only):
    found = links(git_only)
    # #230 says #203 broke it, but the lines it changed were #201's: the text's claim still makes the link
    assert found[(203, 230)] == ("regression", ["git"], "claimed", True)
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
    """A rule's gate words and failure flag only skip patterns that could not match: every written example
    reads the same with them switched off (the rules alone, and as the model's hints)."""
    import dataclasses

    from bench.eval_links import predict
    from etl.parsing import relations

    examples = [e for path in link_training.WRITTEN[:2] for e in link_training.written_examples(path)]
    gated = [predict(example, None) for example in examples]
    monkeypatch.setattr(relations, "RULES", tuple(dataclasses.replace(rule, gate=None, failure=False)
                                                  for rule in relations.RULES))
    assert [predict(example, None) for example in examples] == gated


# ---- the warehouse's side of reading ---------------------------------------------------------------------------

def test_a_number_release_notes_call_an_issue_stays_the_pr_git_history_knows(tmp_path):
    """Release-notes tools link each PR through an /issues/N URL: that must not turn a known PR into an issue and
    erase its links (here, the revert of it)."""
    h = History(tmp_path / "repo")
    h.commit("Add the paged allocator (#301)", writes={"alloc.py": _lines("alloc", 6)})
    h.commit("Release 1.2.0 (#302)", "## What's changed\n"
             "* Add the paged allocator in https://github.com/acme/engine/issues/301\n",
             writes={"VERSION": ["1.2.0"]})
    h.commit('Revert "Add the paged allocator" (#303)', "Reverts acme/engine#301", replaces={"alloc.py": {0: "x"}})
    database = tmp_path / "w.duckdb"
    summary = run_ingest(str(database), locations=[], include_sample=False, github_repos=[],
                         git_clones=[f"{REPO}={h.path}"])
    assert summary.success, summary.error
    assert links(database)[(301, 303)][0] == "revert"


def test_a_changed_reader_rereads_every_claim_from_what_the_warehouse_holds(history, tmp_path, monkeypatch):
    """Claims read by another reader version are read again, reports from their raw bytes and commit messages
    from the stored commits, with nothing fetched and nothing doubled."""
    from etl.ingest import parse_reports, report_rows
    from etl.ingest import text_claims as claims_loader

    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "202.md").write_text(f"# PR #202 完整报告\n\n{REPO}\n\n## 执行摘要\n\n- 一句话: 修复 NaN。\n\n"
                                    "## 功能与动机\n\nPR #201 引入的融合 rope 内核在长序列上产生 NaN。\n", encoding="utf-8")
    database = tmp_path / "w.duckdb"
    arguments = dict(locations=[str(reports)], include_sample=False, github_repos=[], git_clones=[f"{REPO}={history}"])
    for module, name in ((parse_reports, "parser_version"), (report_rows, "parser_version"),
                         (claims_loader, "reader_version")):
        monkeypatch.setattr(module, name, lambda: "an-older-reader")
    with link_model.using(None):  # the clause rules alone, as before the model
        assert run_ingest(str(database), **arguments).success
    counts_sql = ("select (select count(*) from staging.report_versions), (select count(*) from staging.text_claims), "
                  "(select count(*) from meta.text_reads), (select count(*) from raw.documents)")
    with duckdb.connect(str(database), read_only=True) as con:
        before = con.execute(counts_sql).fetchone()
    monkeypatch.undo()
    summary = run_ingest(str(database), **arguments)
    assert summary.success, summary.error
    assert summary.parsed == 1 and summary.new_documents == 0  # the one report parsed again from raw
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute(counts_sql).fetchone()[::2] == before[::2]  # one version a report, one read a text
        assert con.execute("select distinct reader_version from meta.text_reads").fetchall() == [
            (link_model.reader_version(),)]
        assert con.execute("select distinct parser_version from staging.report_versions").fetchall() == [
            (parser_version(),)]
    assert links(database)[(201, 202)][0] == "regression"


def test_a_large_fix_is_blamed_on_an_even_sample_of_its_lines(tmp_path):
    """A fix that rewrites more lines than MAX_BLAMED_LINES is blamed on an even sample: the introducers keep
    their shares, and the counts are scaled back to the whole fix."""
    from etl.ingest.szz import MAX_BLAMED_LINES, blame_fix

    h = History(tmp_path / "repo")
    h.commit("Add the big table (#401)", writes={"table.py": _lines("row", 900)})
    h.commit("Add the small table (#402)", writes={"small.py": _lines("cell", 300)})
    fix = h.commit("Fix the tables (#403)", replaces={"table.py": {i: f"row_{i} = fixed({i})" for i in range(900)},
                                                      "small.py": {i: f"cell_{i} = fixed({i})" for i in range(300)}})
    blame = blame_fix(h.path, 403, fix)
    assert blame.fix_lines == MAX_BLAMED_LINES and blame.scale == 1200 / MAX_BLAMED_LINES
    lines = sorted((count for count, _ in blame.by_commit.values()), reverse=True)
    assert lines == [150, 50]  # 900 : 300, as in the whole fix


def test_claims_are_read_batch_after_batch(history, tmp_path):
    """Every text is read, however many batches the texts take (each batch writes while the next is read)."""
    from etl.db import apply_schema, connect
    from etl.ingest.git_history import load_history
    from etl.ingest.text_claims import read_claims

    with connect(tmp_path / "w.duckdb") as con:
        apply_schema(con)
        load_history(con, history, REPO)
        total = con.execute("select count(*) from staging.git_commits").fetchone()[0]
        assert read_claims(con, batch_size=3).texts_read == total
        assert read_claims(con, batch_size=3).texts_read == 0  # nothing new, nothing read


def test_a_number_inside_the_listed_range_that_github_never_listed_is_an_issue(tmp_path):
    """PR and issue numbers share one sequence: between the first and the last PR GitHub listed, a number it did
    not list is an issue, and a claim about it makes no link; a listed number is a PR (at any size: the check is
    a join, not a scan of every listed number per claim)."""
    from etl.db import apply_schema
    from etl.models import discover, in_build_order

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    apply_schema(con)
    con.execute("""
        insert into staging.github_pulls by name
        select 'acme/engine' as repo, n as number, 'change ' || n as title, timestamp '2025-01-01' + to_days(n) as
               created_at, timestamp '2025-03-01' as updated_at, timestamp '2025-01-02' + to_days(n) as merged_at,
               'closed' as state, 'page-1' as response_id, now() as loaded_at
        from range(100, 111) t(n) where n <> 105""")
    con.execute("""
        insert into staging.text_claims by name
        select 'github' as source, 'acme/engine' as repo, 'acme/engine#110' as said_in, i as ordinal, 110 as pr_number,
               ref as ref_number, 'pr' as ref_kind, 'regression' as relation, 'earlier' as referenced_is,
               'mention' as cue, 'the fault came in #' || ref as evidence, now() as loaded_at
        from (values (0, 104), (1, 105)) v(i, ref)""")
    models = {model.table: model for model in discover()}
    needed, wanted = set(), ["intermediate.link_claims"]
    while wanted:  # the model and every model it reads
        table = wanted.pop()
        if table in models and table not in needed:
            needed.add(table)
            wanted += models[table].reads
    for model in in_build_order([models[table] for table in needed]):
        model.build(con)
    pairs = con.execute("select from_number, to_number, relation from intermediate.link_claims").fetchall()
    assert pairs == [(104, 110, "regression")]
