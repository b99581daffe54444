"""The dashboards as a user meets them: `pr-atlas dashboard` serving the fixture warehouse on a real port,
driven by Playwright in Debian's headless Chromium (`make test` installs it; never a downloaded browser),
1,400 px wide. Every page opens without an exception and is saved as a screenshot under tests/screenshots/
(git-ignored); a link between PRs changes the address and Back returns; a shared address with repo, range
and module reopens the same view, and the scope follows the user to another page; clicks on a heatmap cell
and on a bar list their PRs; the files table fits the viewport; a failing check reads as such without emoji
fonts; a SQL query runs; a filter lands in the URL; report text that looks like script stays text; on a repo
whose risk model has learned, the open PRs ranked, the list sorted by risk and a score explained."""

from __future__ import annotations

import re
from urllib.parse import quote

import duckdb
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.local_server import dashboard_server

from .conftest import PROJECT_ROOT, cli_env
from .dashboard_warehouse import HOSTILE, REPO
from .risk_warehouse import OPEN

SCREENSHOTS = PROJECT_ROOT / "tests" / "screenshots"
PAGES = {"trends": "/", "prs": "/prs?risk=high&chain=yes", "modules": "/modules", "chains": "/chains", "pr": "/pr?pr=22598",
         "search": "/search?q=%E5%86%85%E5%AD%98%E6%B3%84%E6%BC%8F", "sql": "/sql", "health": "/health"}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(dashboard_db):
    with dashboard_server(dashboard_db, env=cli_env()) as base:
        yield base


def open_and_wait(page, url: str, heading: str | None = None) -> None:
    page.goto(url)
    page.wait_for_selector("h1", timeout=30_000)
    if heading:
        page.get_by_role("heading", level=1).filter(has_text=heading).wait_for(timeout=30_000)
    idle(page)


def idle(page) -> None:
    """Until Streamlit's status widget stops showing "Running" (while a page reruns, the elements of its
    last run stay on screen beside the new ones)."""
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
    asked = []
    page.on("response", lambda response: asked.append((response.status, response.url.removeprefix(server))))
    open_and_wait(page, server + path, heading)
    assert_no_exception(page)
    assert not page.dialogs and page.get_by_text("Page not found").count() == 0
    # the front end finds the server at once: no 404 at /<page>/_stcore/health before asking at the root
    assert sorted(url for status, url in asked if "/_stcore/" in url) == ["/_stcore/health", "/_stcore/host-config"]
    assert not [url for status, url in asked if status == 404], asked


def test_chain_node_leads_to_its_pr_page(server, page):
    open_and_wait(page, f"{server}/chains?chain={quote('sgl-project/sglang#20978', safe='')}", "Regression chains")
    node = page.locator('[data-testid="stGraphVizChart"] svg a').filter(has_text="#22598")
    node.first.wait_for(timeout=30_000)
    node.first.click()
    page.wait_for_url("**/pr?pr=*22598*", timeout=30_000)
    open_and_wait(page, page.url, "#22598")
    expect(page.get_by_text("regression: #20978")).to_be_visible(timeout=30_000)
    assert_no_exception(page)


def test_the_chains_shown_and_their_order_are_in_the_address_and_back_returns(server, page):
    open_and_wait(page, f"{server}/chains", "Regression chains")
    expect(page.get_by_text(re.compile(r"chain\(s\) with a regression or revert, most recent first"))).to_be_visible()
    expect(page.get_by_text("1 chain(s) of follow-ups only are not listed", exact=False)).to_be_visible()
    page.get_by_role("combobox", name="Order", exact=True).click()
    page.get_by_role("option", name="slowest to fix first").click()
    page.wait_for_url("**/chains?order=slowest", timeout=30_000)
    page.get_by_role("combobox", name="Chains", exact=True).click()
    page.get_by_role("option", name="all, follow-ups only too").click()
    page.wait_for_url(lambda url: "show=all" in url and "order=slowest" in url, timeout=30_000)
    expect(page.get_by_text(re.compile(r"^\d+ chain\(s\), slowest to fix first"))).to_be_visible(timeout=30_000)
    page.screenshot(path=str(SCREENSHOTS / "chains_all_slowest.png"), full_page=True)
    page.go_back()  # each choice was a history entry of its own
    page.wait_for_url("**/chains?order=slowest", timeout=30_000)
    expect(page.get_by_role("combobox", name="Chains", exact=True)).to_have_value("with a regression or revert",
                                                                                  timeout=30_000)
    assert_no_exception(page)


def heading(page) -> str:
    return page.get_by_role("heading", level=1).first.inner_text()


def test_a_link_between_prs_changes_the_address_and_back_returns(server, page):
    open_and_wait(page, f"{server}/pr?pr=22598", "#22598")
    page.get_by_role("button", name="regression: #20978").click()
    page.wait_for_url("**/pr?pr=*20978*", timeout=30_000)
    open_and_wait(page, page.url, "#20978")  # the address alone shows the new PR
    page.go_back()
    page.wait_for_url("**/pr?pr=22598", timeout=30_000)
    page.get_by_role("heading", level=1).filter(has_text="#22598").wait_for(timeout=30_000)
    page.go_forward()
    page.get_by_role("heading", level=1).filter(has_text="#20978").wait_for(timeout=30_000)
    idle(page)
    # the whole-chain link leads to the chains page, and Back to the PR again
    page.get_by_role("link", name="Whole chain (2 PRs)").first.click()
    page.wait_for_url("**/chains?chain=*20978*", timeout=30_000)
    page.get_by_role("heading", level=1).filter(has_text="Regression chains").wait_for(timeout=30_000)
    page.go_back()
    page.get_by_role("heading", level=1).filter(has_text="#20978").wait_for(timeout=30_000)
    assert_no_exception(page)


def test_a_shared_address_reopens_the_view_and_the_scope_follows_to_other_pages(server, page, dashboard_db):
    shared = (f"{server}/modules?repo={quote(REPO, safe='')}&from=2026-05-01&until=2026-06-30"
              "&module=srt%2Fmem_cache")
    with duckdb.connect(str(dashboard_db), read_only=True) as con:
        in_scope = con.execute("select count(distinct pr_key) from pr_modules join pull_requests p using (pr_key) "
                               "where module = 'srt/mem_cache' and p.repo = ? and merged_at >= '2026-05-01' "
                               "and merged_at < '2026-07-01'", [REPO]).fetchone()[0]
        merged = con.execute("select count(*) from pull_requests where repo = ? and merged_at >= '2026-04-27' "
                             "and merged_at < '2026-07-06'", [REPO]).fetchone()[0]
    open_and_wait(page, shared, "Module risk")  # a new tab: nothing but the address
    expect(page.get_by_text(f"{in_scope} PR(s): module srt/mem_cache")).to_be_visible(timeout=30_000)
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar.get_by_role("combobox", name="Repository")).to_have_value(REPO)
    expect(sidebar.locator('[data-testid="stDateInput"] input').first).to_have_value("2026-05-01")

    page.get_by_role("link", name="Trends", exact=True).click()
    page.wait_for_url("**/trends?*", timeout=30_000)
    assert "repo=" in page.url and "from=2026-05-01" in page.url and "until=2026-06-30" in page.url
    expect(page.locator('[data-testid="stMetricValue"]').first).to_have_text(str(merged), timeout=30_000)
    assert_no_exception(page)


def test_an_unknown_value_in_the_address_is_reported(server, page):
    open_and_wait(page, f"{server}/prs?repo=nobody%2Fnothing&module=no%2Fsuch", "Pull requests")
    expect(page.get_by_text("asks for repo “nobody/nothing”")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("asks for module “no/such”")).to_be_visible(timeout=30_000)


def marks(page, chart: int = 0):
    """The marks Vega drew (as SVG) in the page's `chart`-th chart, the visible ones only (a zero count draws a
    flat bar). One chart's: the page's charts draw in any order."""
    drawn = page.locator('[data-testid="stVegaLiteChart"]').nth(chart).locator("g.mark-rect path >> visible=true")
    drawn.first.wait_for(timeout=30_000)
    return [drawn.nth(i) for i in range(drawn.count())]


def click_mark(page, url: str, chart: int = 0) -> None:
    """Click the chart's first mark until the address becomes `url` (a glob). A click that lands while the page
    is still redrawing the chart, as a slow machine's first render can be, selects nothing: it is made again."""
    for _ in range(3):
        marks(page, chart)[0].click()
        try:
            page.wait_for_url(url, timeout=10_000)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError(f"three clicks on chart {chart} never led to {url}; the address is {page.url}")


def test_a_heatmap_cell_click_lists_its_prs(server, page):
    open_and_wait(page, f"{server}/modules", "Module risk")
    click_mark(page, "**/modules?*module=*flag=*")
    listed = page.get_by_text(re.compile(r"^\d+ PR\(s\): module .+, flag .+"))
    expect(listed).to_be_visible(timeout=30_000)
    table = page.locator('[data-testid="stDataFrame"]').filter(has=page.locator("canvas")).last
    expect(table).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "modules_cell_clicked.png"))
    page.go_back()  # the click was a history entry of its own
    page.wait_for_url(lambda url: "/modules" in url and "flag=" not in url, timeout=30_000)
    expect(listed).to_have_count(0, timeout=30_000)


def test_a_bar_click_lists_its_prs(server, page):
    open_and_wait(page, f"{server}/trends", "Trends")
    click_mark(page, "**/trends?*week=*")
    expect(page.get_by_text(re.compile(r"^\d+ PR\(s\): week \d{4}-W\d\d, \w+ risk"))).to_be_visible(timeout=30_000)
    expect(page.get_by_role("link", name="Open in Pull requests")).to_be_visible()


def test_a_click_on_the_fixes_chart_lists_the_fixes_of_its_week(server, page):
    open_and_wait(page, f"{server}/trends", "Trends")
    click_mark(page, "**/trends?*fixes=*", chart=2)  # risk levels, flags, then regression fixes and reverts
    listed = re.compile(r"^\d+ PR\(s\): week \d{4}-W\d\d, that (fixed a regression|reverted a PR)")
    expect(page.get_by_text(listed)).to_be_visible(timeout=30_000)


def test_the_files_table_fits_1400_px(server, page):
    open_and_wait(page, f"{server}/pr?pr=22598", "#22598")
    headers = page.locator('[data-testid="stTable"] th')
    expect(headers.last).to_have_text("why it matters", timeout=30_000)
    headers.last.scroll_into_view_if_needed()
    box = headers.last.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 1400, box
    cell = page.locator('[data-testid="stTable"] tbody tr').first.locator("td").last
    cell_box = cell.bounding_box()
    assert cell_box["x"] + cell_box["width"] <= 1400 and cell.inner_text().strip(), cell_box
    page.screenshot(path=str(SCREENSHOTS / "pr_files.png"), full_page=True)


def test_a_failing_check_reads_as_failing_without_emoji_fonts(server, page):
    open_and_wait(page, f"{server}/health", "Data health")
    failing = page.locator('[data-testid="stMarkdownContainer"]').filter(has_text="FAIL").filter(
        has_text="quarantine_is_empty")
    expect(failing).to_be_visible(timeout=30_000)
    badge = failing.locator("span", has_text="FAIL").first
    colour = badge.evaluate("element => getComputedStyle(element).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "transparent"), "marked by colour as well as by the word"
    assert all(ord(ch) < 0x2000 for ch in failing.inner_text()), "no glyph an emoji font would be needed for"
    page.screenshot(path=str(SCREENSHOTS / "health_failing_check.png"), full_page=True)


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


@pytest.fixture(scope="module")
def risk_server(risk_dashboard_db):
    with dashboard_server(risk_dashboard_db, env=cli_env()) as base:
        yield base


def test_risk_ranks_the_open_prs_sorts_the_list_and_explains_a_score(risk_server, page):
    """On a repo whose model has learned: the open PR to review first, the list sorted by risk from the Sort by
    box (and in the URL), the PR page's score with what raised it, and the calibration chart drawn."""
    SCREENSHOTS.mkdir(exist_ok=True)
    open_and_wait(page, f"{risk_server}/prs", "Pull requests")
    expect(page.get_by_text("Open PRs: review these first")).to_be_visible(timeout=30_000)
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Sort by").click()
    page.get_by_role("option", name="risk", exact=True).click()
    page.wait_for_url("**sort=risk*", timeout=30_000)
    idle(page)
    assert_no_exception(page)
    page.screenshot(path=str(SCREENSHOTS / "risk_prs.png"), full_page=True)

    open_and_wait(page, f"{risk_server}/pr?pr={OPEN}", f"#{OPEN}")
    expect(page.get_by_text("Predicted regression risk")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("What raised it:")).to_be_visible(timeout=30_000)
    expect(page.get_by_text(re.compile(r"lines added"))).to_be_visible(timeout=30_000)
    assert_no_exception(page)
    page.screenshot(path=str(SCREENSHOTS / "risk_pr.png"), full_page=True)

    open_and_wait(page, f"{risk_server}/health", "Data health")
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    chart.wait_for(timeout=30_000)
    chart.scroll_into_view_if_needed()
    expect(chart.locator("canvas, svg").first).to_be_visible(timeout=30_000)
    assert_no_exception(page)
    page.screenshot(path=str(SCREENSHOTS / "risk_health.png"), full_page=True)
