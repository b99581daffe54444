"""The dashboards' web server: `pr-atlas dashboard` runs `streamlit run dashboards/server.py`, which serves
app.py as Streamlit does, with one change: a page's own address (/prs, /chains, ...) answers with Streamlit's
page telling its front end where the server is.

Without it, a new tab at /prs guesses the server is at /prs: it asks /prs/_stcore/health, gets 404, waits
100 ms and asks again at / (the front end's base-URL probing; Streamlit's own static handler serves a fixed
index.html and cannot say where the server is, see streamlit/streamlit#11537). The front end reads
`window.__streamlit.BACKEND_BASE_URL` and `MAIN_PAGE_BASE_URL` when they are set: here, the address one level
up from the page, so the server is found first time, under a `server.baseUrlPath` or behind a proxy alike."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route
from streamlit import config, file_util
from streamlit.url_util import make_url_path

from dashboards.page_list import PAGES

# Runs before Streamlit's bundle (a module script, so deferred), which reads window.__streamlit once.
WHERE_THE_SERVER_IS = ('<script>window.__streamlit = Object.assign(window.__streamlit || {}, '
                       '{BACKEND_BASE_URL: new URL(".", location.href).href, '
                       'MAIN_PAGE_BASE_URL: new URL(".", location.href).href});</script>')


def page_html() -> str:
    """Streamlit's index.html with the server's address set before any script of its own runs."""
    html = (Path(file_util.get_static_dir()) / "index.html").read_text(encoding="utf-8")
    head = html.index("<script")
    return html[:head] + WHERE_THE_SERVER_IS + "\n    " + html[head:]


PAGE_HTML = page_html()


async def page(_request: Request) -> HTMLResponse:
    # as Streamlit serves index.html: revalidated on every visit, so a new Streamlit version is picked up
    return HTMLResponse(PAGE_HTML, headers={"Cache-Control": "no-cache"})


base_path = config.get_option("server.baseUrlPath") or ""
app = st.App("app.py", routes=[Route(make_url_path(base_path, listed.url_path), page) for listed in PAGES])
