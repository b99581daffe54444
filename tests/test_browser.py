"""The dashboards as a user meets them: `pr-atlas dashboard` serving the fixture warehouse on a real port,
driven by Playwright in Debian's headless Chromium (`make test` installs it; never a downloaded browser).
Every page opens without an exception and is saved as a screenshot under tests/screenshots/ (git-ignored);
a chain node leads to its PR page; a SQL query runs; a filter lands in the URL; report text that looks
like script stays text."""

from __future__ import annotations

from urllib.parse import quote

import duckdb
import pytest
from playwright.sync_api import expect

from tests.local_server import chromium, dashboard_server

from .conftest import PROJECT_ROOT, cli_env
from .dashboard_warehouse import HOSTILE

SCREENSHOTS = PROJECT_ROOT / "tests" / "screenshots"
PAGES = {"trends": "/", "prs": "/prs?risk=high&chain=yes", "modules": "/modules", "chains": "/chains", "pr": "/pr?pr=22598",
         "search": "/search?q=%E5%86%85%E5%AD%98%E6%B3%84%E6%BC%8F", "sql": "/sql", "health": "/health"}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(dashboard_db):
    with dashboard_server(dashboard_db, env=cli_env()) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    try:
        with chromium() as launched:
            yield launched
    except FileNotFoundError as exc:
        pytest.fail(str(exc))


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.dialogs = []
    tab.on("dialog", lambda dialog: (tab.dialogs.append(dialog.message), dialog.dismiss()))
    yield tab
    context.close()


def open_and_wait(page, url: str, heading: str | None = None) -> None:
    page.goto(url)
    page.wait_for_selector("h1", timeout=30_000)
    if heading:
        page.get_by_role("heading", level=1).filter(has_text=heading).wait_for(timeout=30_000)
    # the app is idle once Streamlit's status widget stops showing "Running"
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30_000)


def assert_no_exception(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0, page.locator(
        '[data-testid="stException"]').first.inner_text()


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_opens_without_an_exception(server, page, name):
    SCREENSHOTS.mkdir(exist_ok=True)
    open_and_wait(page, server + PAGES[name])
    page.wait_for_timeout(500)  # charts draw after the script finishes
    assert_no_exception(page)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize(("path", "heading"), [("/trends", "Trends"), ("/prs", "Pull requests"),
                                               ("/health", "Data health")])
def test_a_pages_own_path_opens_that_page(server, page, path, heading):
    open_and_wait(page, server + path, heading)
    assert_no_exception(page)
    assert not page.dialogs and page.get_by_text("Page not found").count() == 0


def test_chain_node_leads_to_its_pr_page(server, page):
    open_and_wait(page, f"{server}/chains?chain={quote('sgl-project/sglang#20978', safe='')}", "Regression chains")
    node = page.locator('[data-testid="stGraphVizChart"] svg a').filter(has_text="#22598")
    node.first.wait_for(timeout=30_000)
    node.first.click()
    page.wait_for_url("**/pr?pr=*22598*", timeout=30_000)
    open_and_wait(page, page.url, "#22598")
    expect(page.get_by_text("regression: #20978")).to_be_visible(timeout=30_000)
    assert_no_exception(page)


def test_sql_query_runs_and_refusal_is_explained(server, page):
    open_and_wait(page, f"{server}/sql", "SQL")
    editor = page.locator('[data-testid="stTextArea"] textarea')
    editor.fill("select number, display_title from pull_requests where number in (20978, 22598) order by number")
    page.get_by_role("button", name="Run").click()
    page.get_by_text("2 rows in").wait_for(timeout=30_000)
    page.locator("[data-testid=\"stDataFrame\"]").first.wait_for(timeout=30_000)
    page.screenshot(path=str(SCREENSHOTS / "sql_result.png"), full_page=True)

    editor.fill("select * from read_csv('/etc/passwd')")
    page.get_by_role("button", name="Run").click()
    page.get_by_text("files, URLs and extensions are out of reach").wait_for(timeout=30_000)


def test_filter_is_kept_in_the_url(server, page, dashboard_db):
    with duckdb.connect(str(dashboard_db), read_only=True) as con:
        in_module = con.execute("select count(distinct pr_key) from intermediate.pr_modules join pull_requests "
                                "using (pr_key) where module = 'srt/mem_cache' and merged_at is not null").fetchone()[0]
    open_and_wait(page, f"{server}/", "Trends")
    merged = page.locator('[data-testid="stMetricValue"]').first
    expect(merged).not_to_have_text(str(in_module))
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Module").click()
    page.keyboard.type("srt/mem_cache")
    page.keyboard.press("Enter")
    page.wait_for_url("**module=srt%2Fmem_cache*", timeout=30_000)
    expect(merged).to_have_text(str(in_module), timeout=30_000)
    # the link, shared, opens the same view
    open_and_wait(page, page.url, "Trends")
    expect(merged).to_have_text(str(in_module), timeout=30_000)


def test_report_text_that_looks_like_script_stays_text(server, page):
    open_and_wait(page, f"{server}/pr?pr={HOSTILE}", f"#{HOSTILE}")
    page.wait_for_timeout(500)
    body = page.inner_text("body")
    assert "<script>alert('body')</script>" in body
    assert "[这个链接](javascript:alert('link'))" in body and ":red[染色]" in body
    assert page.locator("main script, main img[src='x']").count() == 0
    assert page.dialogs == []
    page.screenshot(path=str(SCREENSHOTS / "pr_escaped_text.png"), full_page=True)
