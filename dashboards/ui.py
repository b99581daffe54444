"""Pieces every page shares: the snapshot it reads, report text shown as text, links to PR pages, the
repo filter and the first-run message."""

from __future__ import annotations

import re
from urllib.parse import quote

import pandas as pd
import streamlit as st

from . import queries
from .warehouse import Source

PR_PAGE = "app_pages/pr.py"
ALL_REPOS = "All repos"
# Every ASCII punctuation mark Markdown or Streamlit's directives (:red[...], :emoji:) might act on;
# a backslash before any of them is a literal in CommonMark.
_MARKDOWN_ACTIVE = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$&=\"'])")


def version() -> str:
    """The snapshot this run of the page reads (app.py stops the page earlier when there is none)."""
    return st.session_state["snapshot_version"]


def as_text(value) -> str:
    """Markdown that shows `value` literally: no HTML, links, images or formatting from report text."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    escaped = _MARKDOWN_ACTIVE.sub(r"\\\1", str(value))
    return escaped.replace("\n", "  \n")


def text_block(label: str, value) -> None:
    if value is not None and str(value).strip():
        st.markdown(f"**{label}**")
        st.markdown(as_text(value))


def pr_url(key: str) -> str:
    """Relative link to a PR's page (used where page_link cannot go: table cells, graph nodes)."""
    return "./pr?pr=" + quote(key, safe="")


def pr_link(key: str, label: str) -> None:
    st.page_link(PR_PAGE, label=label, query_params={"pr": key}, icon=":material/article:")


def pr_label(number, title, key: str) -> str:
    prefix = f"#{int(number)}" if number is not None and not pd.isna(number) else "(no number)"
    return f"{prefix} {title or key}"


def link_column(frame: pd.DataFrame, key_column: str = "pr_key") -> pd.DataFrame:
    """The frame with a `page` column of PR links first, for st.dataframe's LinkColumn."""
    return frame.assign(page=frame[key_column].map(pr_url))[["page", *frame.columns]]


def repo_filter(version: str) -> str | None:
    """Repo picker kept in the URL (?repo=...); None means all repos."""
    repos = queries.repos(version)
    if len(repos) <= 1:
        return repos[0] if repos else None
    choice = st.selectbox("Repository", [ALL_REPOS, *repos], key="repo", bind="query-params")
    return None if choice == ALL_REPOS else choice


def first_run_message(src: Source, title: str) -> None:
    st.title(title)
    st.info(
        f"""**No data yet.** The dashboards read a snapshot of the warehouse that each ingestion publishes,
and none has been published for `{src.database}`.

- To explore the bundled sample: `make demo`
- To ingest your own reports: `.venv/bin/pr-atlas ingest --reports path/to/reports`
  (add `--github OWNER/REPO` with `GITHUB_TOKEN` set, or `--git path/to/clone`)

This page refreshes by itself a few seconds after the first ingestion finishes.""",
        icon=":material/info:")
