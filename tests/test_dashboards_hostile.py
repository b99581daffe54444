"""The dashboards on GitHub data that tries to act on them (tests/hostile_dashboard_warehouse.py), through
Streamlit's AppTest: titles, names and labels drawn as text wherever Markdown is drawn (the PR page heading,
its links to other PRs, the chain's members), a review by a deleted account, long texts cut with the whole a
download away, GitHub's warnings and misses on the health page, and a part of a page (or a whole page) that
fails saying so instead of showing a traceback."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from dashboards import ui

from .conftest import PROJECT_ROOT
from .hostile_dashboard_warehouse import BROKEN, FIX, REPO, REVIEW_LINK, UNREADABLE_FILES, build, title

APP = str(PROJECT_ROOT / "dashboards" / "app.py")
PIXEL = "http://127.0.0.1:9/pixel.png"  # nothing listens there: the browser test serves its own


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory):
    from .replay_server import require_fixtures

    require_fixtures()
    return build(tmp_path_factory.mktemp("hostile_dashboards"), PIXEL)


@pytest.fixture
def warehouse(hostile_db, monkeypatch):
    monkeypatch.setenv("PR_ATLAS_DATABASE", str(hostile_db))
    return hostile_db


def open_page(page: str, **query) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    for name, value in query.items():
        app.query_params[name] = value
    app.switch_page(f"app_pages/{page}.py")
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def drawn_markdown(app: AppTest) -> list[str]:
    """Every piece of Markdown the page hands to the browser: headings, text, captions, link and button labels."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error"):
        parts += [str(e.value) for e in getattr(app, kind)]
    return parts + [e.label for e in app.main.get("page_link")] + [b.label for b in app.button]


# The hostile data's Markdown and HTML as written: escaped, each has a backslash inside, so none is found.
ACTIVE = ("![p](", "[Sign in again](", "<img src=", "[run this](")


def assert_inert(app: AppTest) -> None:
    """No Markdown link or image, and no HTML tag, of the data is left unescaped anywhere on the page."""
    for text in drawn_markdown(app):
        for active in ACTIVE:
            assert active not in text, text[:300]


def test_the_pr_heading_and_its_texts_are_text(warehouse):
    app = open_page("pr", pr=f"{REPO}#{BROKEN}")
    assert app.title[0].value == ui.as_text(ui.pr_label(BROKEN, title(PIXEL), ""))
    assert_inert(app)
    assert not app.main.get("imgs") and not app.main.get("image")


def test_a_10_mb_body_is_cut_on_screen_with_the_whole_a_download_away(warehouse):
    app = open_page("pr", pr=f"{REPO}#{BROKEN}")
    longest = max(len(str(m.value)) for m in app.markdown)
    assert longest < 3 * ui.LONG_TEXT  # escaped, so longer than what it shows, but nowhere near 10 MB
    downloads = app.main.get("download_button")
    assert len(downloads) >= 2, "the body and the long review each offer the whole text"
    assert any("Cut at 20,000 of 10,485,791 characters" in c.value for c in app.caption), [c.value for c in app.caption]


def test_a_review_by_a_deleted_account_shows(warehouse):
    app = open_page("pr", pr=f"{REPO}#{BROKEN}")
    headings = [m.value for m in app.markdown if "GitHub review by" in m.value]
    assert any("a deleted account" in h for h in headings), headings
    assert not app.error
    body = next(m.value for m in app.markdown if "run this" in m.value)
    assert REVIEW_LINK not in body and ui.as_text(f"[run this]({REVIEW_LINK})") in body


def test_link_labels_to_a_hostile_title_are_text(warehouse):
    fix = open_page("pr", pr=f"{REPO}#{FIX}")
    labels = [b.label for b in fix.button]
    assert any(label.startswith("regression\\: ") and "Sign in again" in label for label in labels), labels
    assert_inert(fix)
    chains = open_page("chains", chain=f"{REPO}#{BROKEN}")
    members = [link.label for link in chains.main.get("page_link")]
    assert any("Sign in again" in label for label in members), members
    assert_inert(chains)


def test_the_health_page_lists_githubs_warnings_and_misses(warehouse):
    app = open_page("health")
    frames = [frame.value for frame in app.dataframe]
    warnings = next(f for f in frames if "field" in f.columns)
    assert ("labels[0].name" in set(warnings["field"])) and f"{REPO}#{BROKEN}" in set(warnings["pr_key"])
    misses = next(f for f in frames if "reason" in f.columns and "pr_number" in f.columns)
    row = misses[misses["pr_number"] == UNREADABLE_FILES].iloc[0]
    assert row["reason"] == "http_error" and row["status"] == 422 and "taking too long" in row["detail"]
    assert any("GitHub" in s.value for s in app.subheader)


def test_a_part_that_fails_says_so_and_the_rest_is_drawn(warehouse, monkeypatch):
    from dashboards import queries

    def broken(*_args, **_kwargs):
        raise RuntimeError("/srv/secret/path: the reviews could not be read")

    monkeypatch.setattr(queries, "pr_reviews", broken)
    app = open_page("pr", pr=f"{REPO}#{BROKEN}")
    errors = [e.value for e in app.error]
    assert errors == [ui.as_text("The PR's reviews") + " could not be shown (RuntimeError); the error is in the "
                                                        "dashboard's log."]
    assert "/srv/secret" not in " ".join(drawn_markdown(app))
    assert any(s.value == "Regression chain" for s in app.subheader)  # drawn after the failed part


def test_a_page_that_fails_says_so_without_a_traceback(warehouse, monkeypatch):
    from dashboards import queries

    def broken(*_args, **_kwargs):
        raise KeyError("/srv/secret/path")

    monkeypatch.setattr(queries, "pr", broken)
    app = open_page("pr", pr=f"{REPO}#{BROKEN}")
    assert [e.value for e in app.error] == [
        "This page could not be drawn (KeyError). The error is in the dashboard's log; the other pages are not "
        "affected."]
