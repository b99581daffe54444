"""PR Atlas dashboards: `pr-atlas dashboard` (or `streamlit run dashboards/server.py`) serves this file.

The entrypoint only sets up navigation, the freshness watch and the first-run gate; each page is a
thin file under app_pages/ (not pages/, whose presence would switch Streamlit to its older
folder-based navigation) that draws what dashboards/queries.py returns."""

import logging
from pathlib import Path

import streamlit as st

from dashboards import page_list, queries, ui
from dashboards.warehouse import source

PAGES = Path(__file__).parent / "app_pages"
REFRESH_SECONDS = 3

st.set_page_config(page_title="PR Atlas", page_icon=":material/hub:", layout="wide")

pages = [st.Page(PAGES / listed.script, title=listed.title, icon=listed.icon, url_path=listed.url_path)
         for listed in page_list.PAGES]


def _home() -> None:
    """The address without a path: the trends page, at its own path. (Streamlit serves its default page only
    at "/", so a default page's own path would answer "Page not found"; this one has no path of its own.)"""
    # the scope's parameters are bound to the sidebar's widgets, which keep them across pages by themselves
    st.switch_page(pages[0], query_params={name: st.query_params.get_all(name) for name in st.query_params
                                           if name not in ui.SCOPE_KEYS})


# The menu is drawn below, so the redirecting home page is not listed in it.
page = st.navigation([st.Page(_home, title="Home", url_path="home", default=True), *pages], position="hidden")
with st.sidebar:
    for listed in pages:
        st.page_link(listed)
src = source()


@st.fragment(run_every=REFRESH_SECONDS)
def watch_for_new_data(shown: str | None) -> None:
    """Reruns the page once an ingestion has published a newer snapshot than the one on screen."""
    latest = source()
    if latest.version != shown:
        st.rerun()
    if shown and latest.published:
        st.caption(f"Data as of {latest.published:%Y-%m-%d %H:%M:%S} UTC. New data appears within "
                   f"{REFRESH_SECONDS} s of an ingestion finishing.")


with st.sidebar:
    watch_for_new_data(src.version)

if src.version is None or queries.is_empty(src.version):
    ui.first_run_message(src, page.title)
    st.stop()
st.session_state["snapshot_version"] = src.version
st.session_state["current_page"] = page.url_path
ui.notices_here()
with st.sidebar:
    st.caption("Shown on every page")
    ui.draw_scope(src.version)
try:
    page.run()
except Exception as exc:  # noqa: BLE001 (a viewer sees what failed, never a traceback; st.stop and reruns pass)
    logging.getLogger("pr_atlas.dashboards").exception("page %s failed", page.url_path)
    st.error(f"This page could not be drawn ({type(exc).__name__}). The error is in the dashboard's log; the other "
             "pages are not affected.", icon=":material/error:")
