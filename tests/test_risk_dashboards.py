"""The regression risk on the dashboards, through Streamlit's AppTest, on the risk fixture warehouse
(tests/risk_warehouse.py: a repo whose model has learned, and a PR still open): the score and what raised it on
the PR page, the Pull requests page sorted by risk with the open PRs to review first, predicted beside observed
bug rates on the Modules page, the calibration chart on the Data health page; and on the sample warehouse, where
too few outcomes are known, the prior with its reason."""

from __future__ import annotations

import pytest

from .dashboard_warehouse import REPO as SAMPLE_REPO
from .risk_warehouse import OPEN, OPEN_TITLE, REPO
from .test_dashboards import metric, open_page, scalar, texts


@pytest.fixture
def warehouse(risk_dashboard_db, monkeypatch):
    monkeypatch.setenv("PR_ATLAS_DATABASE", str(risk_dashboard_db))
    return risk_dashboard_db


def test_pr_page_shows_the_score_and_what_raised_it(warehouse):
    key = scalar(warehouse, "select pr_key from pr_risk join pull_requests using (pr_key) where band = 'high' "
                            "and len(top_factors) > 1 and merged_at is not null order by score desc, pr_key limit 1")
    score, band, factors, version = (scalar(warehouse, f"select {c} from pr_risk where pr_key = $1", [key])
                                     for c in ("score", "band", "top_factors", "model_version"))
    app = open_page("pr", pr=key)
    page = texts(app)
    assert metric(app, "Predicted regression risk") == f"{score:.0%}"
    assert f"risk band: {band}" in page
    assert all(factor in page for factor in factors), (factors, page)
    assert f"Model {version}" in page and "Outcome:" in page


def test_prs_page_sorts_by_risk_and_puts_the_open_prs_to_review_first(warehouse):
    app = open_page("prs", sort="risk")
    page = texts(app)
    assert "Open PRs: review these first" in page
    waiting = app.dataframe[0].value
    assert waiting["number"].tolist() == [OPEN] and waiting["title"].tolist() == [OPEN_TITLE]
    assert len(waiting["top_factors"].iloc[0]), "with what raised its risk"
    listed = app.dataframe[1].value
    scores = listed["risk_score"].tolist()
    assert scores == sorted(scores, reverse=True), "the riskiest first"
    riskiest = scalar(warehouse, "select max(score) from pr_risk")
    assert scores[0] == pytest.approx(riskiest)
    by_number = open_page("prs", sort="number").dataframe[1].value
    assert by_number["risk_score"].tolist() != scores


def test_modules_page_shows_predicted_beside_observed(warehouse):
    app = open_page("modules")
    table = app.dataframe[0].value.set_index(["repo", "module"])
    kernels = scalar(warehouse, "select module from pr_files where path like 'engine/kernels/%' limit 1")
    predicted, observed = (scalar(warehouse, f"select round(100 * {c}, 1) from module_risk where repo = $1 "
                                             "and module = $2", [REPO, kernels])
                           for c in ("predicted_bug_rate", "observed_bug_rate"))
    assert table.loc[(REPO, kernels), "pct_predicted"] == pytest.approx(predicted, abs=0.11)
    assert table.loc[(REPO, kernels), "pct_observed"] == pytest.approx(observed, abs=0.11)
    assert "No report risk flags recorded" in texts(app), "no flags, yet the page has figures"


def test_health_page_calibrates_predicted_against_observed_by_band(warehouse):
    app = open_page("health")
    known = scalar(warehouse, "select count(*) from pr_risk where introduced_bug is not null")
    assert f"Calibration over the {known:,} PRs whose 90-day outcome is known" in texts(app)
    chart = app.get("vega_lite_chart")[0].proto.spec
    assert "predicted" in chart and "observed" in chart and "band" in chart
    models = next(d.value for d in app.dataframe if "model_version" in d.value.columns)
    assert models.set_index("repo").loc[REPO, "algorithm"] in ("logistic_regression", "gradient_boosting")


def test_a_repo_with_too_few_outcomes_shows_the_prior_and_why(dashboard_db, monkeypatch):
    monkeypatch.setenv("PR_ATLAS_DATABASE", str(dashboard_db))
    app = open_page("pr", pr=f"{SAMPLE_REPO}#22598")
    page = texts(app)
    assert "risk band: unknown" in page and "fewer than 10 to learn from" in page
