"""GitHub data that tries to act on the dashboards (tests/hostile_dashboard_warehouse.py), as a browser meets
it: `pr-atlas dashboard` on a real port, headless Chromium. A title that is a Markdown image of a tracking
pixel and a login link shows literally and fetches nothing (a local server stands where the pixel is, and is
never asked), on the PR page, in the links of the PR that fixed it and among the chain's members; a 10 MB
body is cut on screen with the whole a download away, and the page stays light."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.local_server import QuietHandler, dashboard_server, serve_in_background, stop

from .conftest import cli_env
from .hostile_dashboard_warehouse import BROKEN, FIX, REPO, build
from .test_browser import assert_no_exception, open_and_wait

pytestmark = pytest.mark.slow


class _Pixel(QuietHandler):
    asked: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's naming)
        _Pixel.asked.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture(scope="module")
def pixel():
    server = serve_in_background(_Pixel)
    yield f"http://127.0.0.1:{server.server_address[1]}/pixel.png"
    stop(server)


@pytest.fixture(scope="module")
def server(tmp_path_factory, pixel):
    from .replay_server import require_fixtures

    require_fixtures()
    database = build(tmp_path_factory.mktemp("hostile_browser"), pixel)
    with dashboard_server(database, env=cli_env()) as base:
        yield base


def pr_url(server: str, number: int) -> str:
    return f"{server}/pr?pr={quote(f'{REPO}#{number}', safe='')}"


def shown(text: str) -> str:
    """Text as a reader sees it: without the invisible word joiners that keep a URL from becoming a link."""
    return text.replace("\u2060", "")


def assert_nothing_fetched_or_linked(page, pixel: str) -> None:
    page.wait_for_timeout(1000)  # time for an image to be asked for, were there one
    assert page.locator(f'img[src*="{pixel.rsplit("/", 1)[0]}"]').count() == 0
    assert page.locator('a[href*="evil.example"], a[href^="javascript"]').count() == 0
    assert _Pixel.asked == [], _Pixel.asked
    assert_no_exception(page)


def test_a_markdown_title_shows_literally_and_fetches_nothing(server, page, pixel):
    open_and_wait(page, pr_url(server, BROKEN), f"#{BROKEN}")
    heading = shown(page.get_by_role("heading", level=1).first.inner_text())
    assert f"![p]({pixel}) [Sign in again](http://evil.example/login)" in heading, heading
    assert page.get_by_text("a deleted account").count() >= 1
    assert_nothing_fetched_or_linked(page, pixel)


def test_a_10_mb_body_is_cut_and_the_page_stays_light(server, page, pixel):
    open_and_wait(page, pr_url(server, BROKEN), f"#{BROKEN}")
    assert page.evaluate("document.body.innerText.length") < 200_000
    assert page.get_by_text("Cut at 20,000 of 10,485,791 characters.").count() == 1
    with page.expect_download(timeout=60_000) as download:  # 10 MB made and sent on a busy machine
        page.get_by_role("button", name="The whole text").first.click()
    path = download.value.path()
    assert path.stat().st_size > 10 * 1024 * 1024
    assert_nothing_fetched_or_linked(page, pixel)


def test_links_to_the_hostile_pr_are_text(server, page, pixel):
    open_and_wait(page, pr_url(server, FIX), f"#{FIX}")
    link = page.get_by_role("button", name="regression: #301")
    link.first.wait_for(timeout=30_000)
    assert "![p](" in shown(link.first.inner_text())
    assert_nothing_fetched_or_linked(page, pixel)
    open_and_wait(page, f"{server}/chains?chain={quote(f'{REPO}#{BROKEN}', safe='')}", "Regression chains")
    member = page.locator('[data-testid="stPageLink-NavLink"]').filter(has_text="Sign in again")
    member.first.wait_for(timeout=30_000)
    assert "[Sign in again](http://evil.example/login)" in shown(member.first.inner_text())
    assert_nothing_fetched_or_linked(page, pixel)
