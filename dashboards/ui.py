"""Pieces every page shares: the snapshot it reads, the scope (repo and merge range) chosen in the sidebar,
choices kept in the URL, text from the data shown as text (never Markdown or HTML, a long one cut with the
whole a download away), links to PR pages, lists of PRs, the period to compare with, sections that report
their own failure, and the first-run message."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import quote

import pandas as pd
import streamlit as st

from . import queries
from .warehouse import Source

PR_PAGE = "app_pages/pr.py"
PR_PAGE_PATH = "pr"
PRS_PAGE = "app_pages/prs.py"
ALL_REPOS = "All repos"
LISTED = 100  # PRs listed under a chart or table; the Pull requests page pages through the rest
# Every ASCII punctuation mark Markdown or Streamlit's directives (:red[...], :emoji:) might act on;
# a backslash before any of them is a literal in CommonMark.
_MARKDOWN_ACTIVE = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$&=\"'])")
_AUTOLINKED = re.compile(r"(:(?=//)|(?<![\w.])www(?=\.)|@)", re.I)  # where a URL, www. name or address begins
LONG_TEXT = 20_000  # characters of one text drawn on a page (a 10 MB body froze the browser); the rest downloads
LABEL_TEXT = 200    # characters of a title in a heading or a link
ABSENT = "—"  # a value the data does not have, in tables and figures (never None, NaN, NaT or a 0 standing in)
NO_TITLE = "(title unknown)"  # a PR only named by another one: no source gave its title
log = logging.getLogger("pr_atlas.dashboards")


def version() -> str:
    """The snapshot this run of the page reads (app.py stops the page earlier when there is none)."""
    return st.session_state["snapshot_version"]


def as_text(value) -> str:
    """Markdown that shows `value` literally: no HTML, links, images or formatting from the data. Every mark
    is backslash-escaped; and since GitHub-flavoured Markdown turns a bare URL, www. name or e-mail address in
    the text into a link whatever its escapes, a word joiner (U+2060, invisible) is put where each would
    begin (after the colon of `http://`, after `www`, after `@`), so it stays text."""
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return ""
    escaped = _MARKDOWN_ACTIVE.sub(r"\\\1", _AUTOLINKED.sub("\\1\u2060", str(value)))
    return escaped.replace("\n", "  \n")


def present(value) -> bool:
    """Whether a value read from the warehouse is there and not empty: None, NA, NaN and NaT are not (a NA's
    truth is ambiguous, and `if` on one raised)."""
    if value is None:
        return False
    if pd.api.types.is_scalar(value):
        return not pd.isna(value) and bool(value)
    return len(value) > 0


def known(value) -> bool:
    """Whether a value read from the warehouse is there at all (0, False and "" are values; None, NA, NaN and NaT
    are not)."""
    return value is not None and not (pd.api.types.is_scalar(value) and pd.isna(value))


def safe_url(value) -> str | None:
    """A link from the data, only when it is http(s): never javascript:, data: or a file."""
    return value if present(value) and str(value).lower().startswith(("http://", "https://")) else None


def text_block(label: str, value) -> None:
    if present(value) and str(value).strip():
        st.markdown(f"**{as_text(label)}**")
        long_text(value, label)


def long_text(value, key: str) -> None:
    """Text from the data as text. A long one is cut on the page (a line end near the cut, when there is one)
    and offered whole as a download, read only when asked for."""
    text = str(value)
    if len(text) <= LONG_TEXT:
        st.markdown(as_text(text))
        return
    end = text.rfind("\n", int(LONG_TEXT * 0.8), LONG_TEXT)
    st.markdown(as_text(text[:end if end > 0 else LONG_TEXT]) + " …")
    _whole_text(text, key)


def long_code(code, language: str | None, key: str) -> None:
    text = str(code) if present(code) else ""
    st.code(text[:LONG_TEXT], language=language or None)
    if len(text) > LONG_TEXT:
        _whole_text(text, key)


def _whole_text(text: str, key: str) -> None:
    cells = st.columns([3, 1], vertical_alignment="center")
    cells[0].caption(f"Cut at {LONG_TEXT:,} of {len(text):,} characters.")
    cells[1].download_button("The whole text", lambda: text.encode("utf-8"), file_name="pr_atlas_text.txt",
                             mime="text/plain; charset=utf-8", key=f"whole:{key}", icon=":material/download:",
                             on_click="ignore")


@contextlib.contextmanager
def section(what: str) -> Iterator[None]:
    """A part of a page that, should it fail, says so in place (no traceback: that goes to the log) and lets
    the rest of the page be drawn."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 (Streamlit's own stop and rerun are not Exceptions: they pass)
        log.exception("dashboard section %r failed", what)
        st.error(f"{as_text(what)} could not be shown ({type(exc).__name__}); the error is in the dashboard's "
                 f"log.", icon=":material/error:")


def pr_url(key: str) -> str:
    """Relative link to a PR's page (used where page_link cannot go: table cells, graph nodes)."""
    return "./pr?pr=" + quote(key, safe="")


def pr_link(key: str, label: str) -> None:
    """A link to a PR's page, its label (a title, a relation) shown as text. On the PR page itself it is a
    link-styled button that sets ?pr=: a page_link to the page already open would change the content but not
    the address, so Back would leave the app."""
    shown = as_text(label)
    if st.session_state.get("current_page") == PR_PAGE_PATH:
        st.button(shown, key=f"go:{key}:{label}", type="tertiary", icon=":material/article:",
                  on_click=set_url, kwargs={"pr": key})
    else:
        st.page_link(PR_PAGE, label=shown, query_params={"pr": key}, icon=":material/article:")


def pr_label(number, title, key: str) -> str:
    """`#123 title` (plain text: escape it where Markdown is drawn), a long title cut."""
    prefix = f"#{int(number)}" if present(number) else "(no number)"
    text = known_title(title, key) or NO_TITLE
    return f"{prefix} {text[:LABEL_TEXT] + '…' if len(text) > LABEL_TEXT else text}"


def known_title(display_title, key: str) -> str | None:
    """A PR's display title, or None when it has none: the views fall back to the PR's key (warehouse/README.md)."""
    return str(display_title) if present(display_title) and display_title != key else None


def data_table(data, **kwargs):
    """st.dataframe with the values the data lacks drawn as ABSENT (Streamlit writes "None" in them)."""
    return st.dataframe(data, **{"placeholder": ABSENT, **kwargs})


def link_column(frame: pd.DataFrame, key_column: str = "pr_key") -> pd.DataFrame:
    """The frame with a `page` column of PR links first, for st.dataframe's LinkColumn."""
    return frame.assign(page=frame[key_column].map(pr_url))[["page", *frame.columns]]


# ---- the scope every page honours: sidebar widgets in the entrypoint, so they and their URL parameters
# (repo, from, until) stay as the user moves between pages ------------------------------------------------

SCOPE_KEYS = ("repo", "from", "until")  # the scope's URL parameters, in Scope's field order


@dataclass(frozen=True)
class Scope:
    repo: str | None = None  # None: every repo
    start: date | None = None  # merged on or after
    end: date | None = None  # merged on or before

    def params(self) -> dict[str, str]:
        """The URL parameters that reopen this scope."""
        values = zip(SCOPE_KEYS, (self.repo, self.start, self.end), strict=True)
        return {name: str(value) for name, value in values if value is not None}


def draw_scope(version: str) -> None:
    """The repo and merge-date pickers (called by app.py in the sidebar, before the page runs)."""
    repos = [ALL_REPOS, *queries.repos(version)]
    _report_unknown("repo", repos)
    repo = st.selectbox("Repository", repos, key="repo", bind="query-params")
    for name in ("from", "until"):
        _report_unknown_date(name)
    start = st.date_input("Merged from", value=None, key="from", bind="query-params", format="YYYY-MM-DD")
    end = st.date_input("Merged until", value=None, key="until", bind="query-params", format="YYYY-MM-DD")
    if start and end and start > end:
        _report(f"“Merged from” ({start}) is after “Merged until” ({end}): nothing can match.")
    st.session_state["scope"] = Scope(None if repo in (None, ALL_REPOS) else repo, start, end)


def scope() -> Scope:
    return st.session_state.get("scope", Scope())


def url_choice(widget, label: str, options: list, key: str, **kwargs):
    """A selectbox-like widget that shows and sets the URL parameter `key` (absent: the first option). The
    address is the truth: choosing, like a click on a chart or table that calls `set_url`, adds a browser
    history entry, so Back returns to the previous choice and a copied address reopens this one."""
    asked = st.query_params.get(key)
    _report_unknown(key, options)
    by_text = {str(option): option for option in options if option is not None}
    value = by_text.get(asked, options[0])
    widget_key = f"url:{key}"
    if st.session_state.get(widget_key) != value:
        st.session_state[widget_key] = value
    if None in options:  # "no choice" is an option (so it can be chosen again): it reads as the placeholder
        label_of, empty = kwargs.pop("format_func", str), kwargs.get("placeholder") or "any"
        kwargs["format_func"] = lambda option: empty if option is None else label_of(option)
    widget(label, options, key=widget_key, on_change=lambda: set_url(**{key: st.session_state[widget_key]}),
           **kwargs)
    return value


def set_url(**values) -> None:
    """Sets (or, for None, removes) URL parameters: the page reruns with them, in a new history entry (one
    for all the values set; Streamlit sends each removal of a present parameter as an entry of its own)."""
    st.query_params.update({key: str(value) for key, value in values.items() if value is not None})
    for key in [key for key, value in values.items() if value is None and key in st.query_params]:
        del st.query_params[key]


def _report_unknown(key: str, options: list) -> None:
    asked = st.query_params.get(key)
    if asked is not None and asked not in {str(option) for option in options if option is not None}:
        _report(f"The address asks for {key} “{as_text(asked[:LABEL_TEXT])}”, which is not in this warehouse"
                f"{' for the chosen repo' if key == 'module' else ''}; it is ignored.")


def _report_unknown_date(key: str) -> None:
    asked = st.query_params.get(key)
    if asked:
        try:
            date.fromisoformat(asked)
        except ValueError:
            _report(f"The address asks for {key} “{as_text(asked[:LABEL_TEXT])}”, which is not a date "
                    "(YYYY-MM-DD); it is ignored.")


def notices_here() -> None:
    """Marks where on the page notices about the URL go (app.py: above the page, whatever draws them)."""
    st.session_state["notices"] = st.container()


def _report(message: str) -> None:
    (st.session_state.get("notices") or st).warning(message, icon=":material/link_off:")


def line_counts(additions, deletions, between: str = " ") -> str:
    """`+12 −3`: the lines added and deleted, each side left out when unknown (ABSENT when both are)."""
    sides = [f"{sign}{int(count):,}" for sign, count in (("+", additions), ("−", deletions)) if known(count)]
    return between.join(sides) or ABSENT


def files_table(files: pd.DataFrame) -> pd.DataFrame:
    """A PR's files as four short columns for st.table (which renders Markdown, so every cell is escaped):
    the path, its module, the lines changed, and why the file matters (the report's words, its symbols)."""
    def why(row) -> str:
        symbols = [] if row.symbols is None or pd.api.types.is_scalar(row.symbols) else list(row.symbols)
        kind = " · ".join(str(v) for v in (row.category, row.file_type, row.change_status) if v and not pd.isna(v))
        return "  \n".join(part for part in (as_text(row.description), as_text(kind),
                                              as_text("symbols: " + ", ".join(symbols)) if symbols else "") if part)

    def module(row) -> str:
        label = row.module_label if row.module_label and not pd.isna(row.module_label) else None
        return as_text(row.module) + (f"  \n({as_text(label)})" if label else "")

    return pd.DataFrame({"file": [as_text(path) for path in files["path"]],
                         "module": [module(row) for row in files.itertuples()],
                         "lines": [line_counts(row.additions, row.deletions) for row in files.itertuples()],
                         "why it matters": [why(row) for row in files.itertuples()]})


# ---- lists of PRs ---------------------------------------------------------------------------------------

PR_TABLE_COLUMNS = {
    "page": st.column_config.LinkColumn("PR", width="small"),  # its text: pr_table
    "pr_key": None, "number": None,
    "title": st.column_config.TextColumn("title", width="large"),
    "repo": st.column_config.TextColumn("repo", width="small"),
    "merged_at": st.column_config.DatetimeColumn("merged (UTC)", format="YYYY-MM-DD HH:mm"),
    "created_at": st.column_config.DatetimeColumn("opened (UTC)", format="YYYY-MM-DD HH:mm"),
    "top_factors": st.column_config.ListColumn("what raised the risk", width="large"),
    "risk_score": st.column_config.NumberColumn("predicted risk", format="percent", width="small",
                                                help="the chance it introduced a bug, as the repo's model judged"),
    "risk_band": st.column_config.TextColumn("band", width="small"),
    "risk_level": "report risk", "flags": st.column_config.ListColumn("flags"),
    "has_report": "report", "in_chain": "in a chain"}


def pr_table(frame: pd.DataFrame) -> None:
    """PRs as a table whose first column opens each PR's page, reading `#123`, or `(no number)` for an unnumbered
    report (a link's text can only be cut from its address otherwise, and there the key is all there is)."""
    shown = link_column(frame)
    numbers = dict(zip(shown["page"], (f"#{int(n)}" if known(n) else "(no number)" for n in shown["number"]),
                       strict=True))
    data_table(shown.style.format(numbers.get, subset=["page"]), hide_index=True, width="stretch",
               column_config=PR_TABLE_COLUMNS)


# URL parameters of the Pull requests page that differ from PrFilter's field names; their values are yes / no
_PRS_PAGE_PARAMETERS = {"in_chain": "chain", "has_report": "report"}


def prs_behind(what: str, where: Scope, **filters) -> None:
    """The PRs a chart mark or a table row counts (`filters`: fields of queries.PrFilter besides the scope): the
    first LISTED of them, and a link that opens all of them on the Pull requests page (with the same filters in
    its URL)."""
    chosen = queries.PrFilter(repo=where.repo, start=where.start, end=where.end, **filters)
    total = queries.browse_count(version(), chosen)
    shown = queries.browse_prs(version(), chosen, next(iter(queries.BROWSE_SORTS)), LISTED)
    head = st.columns([3, 1], vertical_alignment="center")
    head[0].markdown(f"**{total:,} PR(s): {as_text(what)}**" + (f" (the latest {LISTED})" if total > LISTED else ""))
    url = {**where.params(), **{_PRS_PAGE_PARAMETERS.get(name, name): ("yes" if value else "no")
                                if isinstance(value, bool) else str(value)
                                for name, value in filters.items() if value is not None}}
    head[1].page_link(PRS_PAGE, label="Open in Pull requests", icon=":material/list:", query_params=url)
    pr_table(shown)


# ---- comparing two periods ------------------------------------------------------------------------------

COMPARE_WITH = {"nothing": None, "the period before": "before", "the same period a year earlier": "year",
                "a range I choose": "chosen"}


def period_to_compare(start: date, end: date) -> tuple[date, date] | None:
    """The period the user compares [start, end] with (kept in the URL as vs, vs_from, vs_until)."""
    choice = COMPARE_WITH[url_choice(st.selectbox, "Compare with", list(COMPARE_WITH), "vs")]
    if choice == "before":
        return start - (end - start) - timedelta(days=1), start - timedelta(days=1)
    if choice == "year":
        return _year_earlier(start), _year_earlier(end)
    if choice == "chosen":
        cells = st.columns(2)
        other_start = cells[0].date_input("Compare from", value=None, key="vs_from", bind="query-params")
        other_end = cells[1].date_input("Compare until", value=None, key="vs_until", bind="query-params")
        return (other_start, other_end) if other_start and other_end else None
    return None


def _year_earlier(day: date) -> date:
    return day.replace(year=day.year - 1) if not (day.month == 2 and day.day == 29) else day - timedelta(days=366)


def period_label(start: date, end: date) -> str:
    return f"{start:%Y-%m-%d} – {end:%Y-%m-%d}"


def first_run_message(src: Source, title: str) -> None:
    st.title(title)
    st.info(
        f"""**No data yet.** The dashboards read a snapshot of the warehouse that each ingestion publishes,
and none has been published for {as_text(src.database)}.

- To explore the bundled sample: `make demo`
- To ingest your own reports: `.venv/bin/pr-atlas ingest --reports path/to/reports`
  (add `--github OWNER/REPO` with `GITHUB_TOKEN` set, or `--git path/to/clone`)

This page refreshes by itself a few seconds after the first ingestion finishes.""",
        icon=":material/info:")


def listing(title: str, rows, when_empty: str, caption, **table) -> None:
    """A section listing `rows`, or saying in `when_empty` why there are none; `caption(rows)` says what they are."""
    st.subheader(title)
    if rows.empty:
        st.caption(when_empty)
    else:
        st.caption(caption(rows))
        data_table(rows, hide_index=True, **table)
