"""The regression-risk model end to end, on real git repositories built by the tests and loaded by `pr-atlas
ingest`: labels with their 90-day horizon, counted only once it has passed; features as known at the merge
(later history changes no earlier PR's features); every PR scored by a version trained before it; the prior
with its reason while too few outcomes are known; the same data giving the same versions and scores; a rerun
writing nothing; and module_risk's predicted beside observed rates."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta

import duckdb
import pytest

from etl.pipeline import run_ingest

from .conftest import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "bench"))
from replay_history import write_repo  # noqa: E402
from synthetic_risk_history import build as build_history  # noqa: E402

REPO = "o/r"


def commit(number: int, day: str, subject: str, files: list, body: str = "", author: str = "ana") -> dict:
    when = f"{day}T10:00:00+00:00"
    return {"subject": f"{subject} (#{number})", "body": body, "committed_at": when, "authored_at": when,
            "author": author, "files": files}


def ingest(database, clone, **kwargs):
    summary = run_ingest(str(database), locations=[], include_sample=False, github_repos=[],
                         git_clones=[f"{REPO}={clone}"], **kwargs)
    assert summary.success and not summary.failed_checks, summary.line()
    return summary


def rows(database, sql, params=()):
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql, params).fetchall()


def test_labels_count_a_bug_found_within_90_days_once_the_90_days_have_passed(tmp_path):
    history = [
        commit(1, "2024-01-01", "Add the cache layer", [["lib/cache.py", 40, 0]]),
        commit(2, "2024-01-10", 'Revert "Add the cache layer"', [["lib/cache.py", 0, 40]],
               body="Reverts #1: the nightly run failed."),
        commit(3, "2024-02-01", "Rework the parser", [["lib/parser.py", 30, 5]]),
        commit(4, "2024-06-15", "Fix the crash introduced in #3", [["lib/parser.py", 3, 2]]),  # after 90 days
        commit(5, "2024-06-20", "Tidy the docs", [["docs/index.md", 4, 1]]),
        commit(6, "2024-06-25", "Add a test", [["tests/test_parser.py", 12, 0]]),
    ]
    clone = tmp_path / "clone"
    write_repo(history, clone)
    ingest(tmp_path / "w.duckdb", clone)
    labels = dict(rows(tmp_path / "w.duckdb", "select pr_key, introduced_bug from marts.pr_risk_labels"))
    assert labels[f"{REPO}#1"] is True  # reverted 9 days after its merge
    assert labels[f"{REPO}#3"] is False  # its fix named it, but 135 days later
    assert labels[f"{REPO}#2"] is False
    assert labels[f"{REPO}#5"] is None and labels[f"{REPO}#6"] is None  # their 90 days have not passed
    # too few outcomes to learn from: every PR still has a row, with the prior's band and why
    risk = rows(tmp_path / "w.duckdb", "select pr_key, band, reason, algorithm, score from pr_risk order by pr_key")
    assert [r[0] for r in risk] == [f"{REPO}#{n}" for n in range(1, 7)]
    assert {r[1] for r in risk} == {"unknown"} and {r[3] for r in risk} == {"prior"}
    assert all("fewer than 10 to learn from" in r[2] for r in risk)
    assert all(0 < r[4] < 1 for r in risk)


def test_features_are_what_was_known_at_the_merge(tmp_path):
    history = [
        commit(1, "2024-01-01", "Add the pool", [["lib/pool.py", 50, 0]], author="ana"),
        commit(3, "2024-01-05", "Resize the pool", [["lib/pool.py", 5, 5]], author="ben"),
        commit(2, "2024-01-10", 'Revert "Add the pool"', [["lib/pool.py", 0, 50]], body="Reverts #1: it leaked.",
               author="ana"),
        commit(4, "2024-01-20", "Add the pool again", [["lib/pool.py", 52, 0], ["lib/pool_test.py", 9, 0]],
               author="ana"),
    ]
    clone = tmp_path / "clone"
    write_repo(history, clone)
    database = tmp_path / "w.duckdb"
    ingest(database, clone)
    query = ("select pr_key, file_prior_changes, file_prior_bugs, author_prior_prs, author_prior_bugs, files_changed, "
             "lines_added, title_is_revert from marts.pr_risk_features order by pr_key")
    before = {r[0]: r[1:] for r in rows(database, query)}
    # #3 merged before the revert of #1: nothing known bad yet; #4 merged after it: one change by a bad PR
    assert before[f"{REPO}#3"][:4] == (1, 0, 0, 0)
    assert before[f"{REPO}#4"][:4] == (3, 1, 2, 1)
    assert before[f"{REPO}#4"][4:] == (2, 61, 0) and before[f"{REPO}#2"][-1] == 1

    # later history (a revert of #4, more changes to its files) changes #4's label, never its features
    later = [commit(5, "2024-02-01", 'Revert "Add the pool again"', [["lib/pool.py", 0, 52]],
                    body="Reverts #4: the leak is back."),
             *(commit(n, (datetime(2024, 2, 2) + timedelta(days=3 * n)).strftime("%Y-%m-%d"), f"Tune the pool {n}",
                      [["lib/pool.py", 3, 1]]) for n in range(6, 40))]
    write_repo(history + later, tmp_path / "longer")
    ingest(tmp_path / "longer.duckdb", tmp_path / "longer")
    after = {r[0]: r[1:] for r in rows(tmp_path / "longer.duckdb", query)}
    assert all(after[key] == values for key, values in before.items())
    assert rows(tmp_path / "longer.duckdb", "select introduced_bug from marts.pr_risk_labels where pr_key = ?",
                [f"{REPO}#4"]) == [(True,)]


@pytest.fixture(scope="module")
def learned(tmp_path_factory):
    """A synthetic history of 400 PRs with a learnable pattern, ingested; and its clone."""
    folder = tmp_path_factory.mktemp("learned")
    clone = build_history(folder / "clone", 400)
    ingest(folder / "w.duckdb", clone)
    return folder / "w.duckdb", clone


def test_every_pr_is_scored_by_a_version_trained_before_it(learned):
    database, _ = learned
    assert rows(database, "select count(*) from pull_requests where merged_at is not null") == \
        rows(database, "select count(*) from pr_risk")
    bands = dict(rows(database, "select band, count(*) from pr_risk group by band"))
    assert set(bands) == {"high", "medium", "low", "unknown"}, "a model once 10 bugs were known, the prior before"
    # each version learned only from PRs whose 90 days had ended by its cut-off, and scores PRs merged after it
    assert rows(database, """
        select count(*) from pr_risk r join pull_requests p using (pr_key)
        where p.merged_at < r.cutoff or r.trained_through + interval 90 day > r.cutoff""") == [(0,)]
    later_cutoff = rows(database, """
        select count(*) from pr_risk r join pull_requests p using (pr_key)
        where exists (select 1 from risk_model_versions v where v.repo = r.repo and v.in_force
                      and v.cutoff > r.cutoff and v.cutoff <= p.merged_at)""")
    assert later_cutoff == [(0,)], "the latest version at its merge, not an older one"
    models = rows(database, "select algorithm, validation, reason, train_bugs from risk_model_versions "
                            "where in_force and algorithm <> 'prior'")
    assert models and all(bugs >= 10 for *_, bugs in models)
    assert any('"roc_auc"' in validation for _, validation, _, _ in models), "candidates compared on a time split"
    factors = rows(database, "select top_factors from pr_risk where band = 'high'")
    assert all(len(f) >= 1 for (f,) in factors) and any("lines added" in " ".join(f) for (f,) in factors)
    assert rows(database, "select count(*) from check_results where asset like 'risk/%' and passed") == [(3,)]


def test_the_same_history_gives_the_same_versions_and_scores(learned, tmp_path):
    database, clone = learned
    again = tmp_path / "again.duckdb"
    ingest(again, clone)
    query = "select pr_key, model_version, score, band, top_factors from pr_risk order by pr_key"
    assert rows(database, query) == rows(again, query)


def test_a_rerun_with_nothing_new_trains_and_writes_nothing(learned):
    database, clone = learned
    built = rows(database, "select model, built_at from meta.model_builds order by model")
    scored = rows(database, "select max(scored_at), count(*) from risk.pr_scores")
    ingest(database, clone, force=True)
    assert rows(database, "select summary->>'unchanged' from source_runs where source = 'risk'") == [("true",)]
    assert rows(database, "select max(scored_at), count(*) from risk.pr_scores") == scored
    assert rows(database, "select model, built_at from meta.model_builds order by model") == built

    # scores lost (a run killed before it wrote them, say): every PR scored again by the versions stored
    with duckdb.connect(str(database)) as con:
        con.execute("delete from risk.pr_scores where pr_key in (select pr_key from risk.pr_scores limit 5)")
    ingest(database, clone, force=True)
    summary = rows(database, "select summary->>'versions_added', summary->>'scores_written' from source_runs "
                             "where source = 'risk'")
    assert summary == [("0", "5")]
    assert rows(database, "select count(*) from risk.pr_scores") == [(scored[0][1],)]


def test_module_risk_shows_predicted_beside_observed(learned):
    database, _ = learned
    modules = {module: (predicted, observed, known) for module, predicted, observed, known in rows(
        database, "select module, predicted_bug_rate, observed_bug_rate, prs_with_outcome from module_risk")}
    assert all(predicted is not None and 0 < predicted < 1 for predicted, _, _ in modules.values())
    # the synthetic kernels module is the risky one: observed, and predicted too
    kernels = modules["engine/kernels"]
    others = [v for m, v in modules.items() if m != "engine/kernels" and v[2] > 20]
    assert kernels[1] > max(o[1] for o in others) and kernels[0] > max(o[0] for o in others)


def test_every_feature_is_said_in_words(learned):
    from etl.risk.features import WORDS, describe, feature_names

    database, _ = learned
    with duckdb.connect(str(database), read_only=True) as con:
        names = feature_names(con)
    assert len(names) >= 30 and not [name for name in names if name not in WORDS]
    assert describe("lines_added", 1204) == "1,204 lines added"
    assert describe("file_age_days", float("nan")) == "every file it changes is new"
