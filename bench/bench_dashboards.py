"""Dashboard benchmark: a synthetic warehouse of 100,000 PRs and 1,000,000 file rows, then every page's
queries timed cold (run without the cache) and every page rendered, server side by Streamlit's
AppTest and, when Chromium is installed, in a real browser against a real server.

    python bench/bench_dashboards.py [--prs 100000] [--files-per-pr 10] [--reports 40000] [--repeat 20] [--keep]
                                     [--warehouse KEPT] [--only queries|scripts|browser]

The warehouse is built through the real pipeline: synthetic reports are ingested (parse, metrics, search
index, snapshot), GitHub-sized volume is added to core.github_* in SQL (bench/synthetic_github.py), and a
second ingestion rebuilds the marts and publishes the snapshot the pages read. Targets: each page's
queries p95 < 200 ms; each page opened in a new tab at its own address draws its last element within 1.5 s (the
browser cache warm), beside the floors: a Streamlit page holding only a title, and the same with one element the
pages draw (a table, a chart, the sidebar's widgets), opened the same way.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(PROJECT_ROOT))  # tests.local_server

from phases import isolate, run_phase  # noqa: E402

isolate()
from synthetic_github import fill  # noqa: E402
from synthetic_reports import write_corpus  # noqa: E402

from tests.local_server import CHROMIUM, chromium, dashboard_server, streamlit_server  # noqa: E402

INGEST = """
import json, sys, time
from etl.pipeline import run_ingest
start = time.perf_counter()
summary = run_ingest(sys.argv[1], locations=[sys.argv[2]], include_sample=False, github_repos=[], git_clones=[])
print(json.dumps({"seconds": time.perf_counter() - start, "success": summary.success, "error": summary.error,
                  "rows": summary.row_counts, "steps": summary.step_seconds}))
"""
PAGES = ("trends", "prs", "modules", "chains", "pr", "search", "sql", "health")
PARTS = ("queries", "scripts", "browser")


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[-1] if len(samples) > 1 else samples[0]


def build(folder: Path, prs: int, files_per_pr: int, reports: int) -> tuple[Path, dict]:
    corpus, database = folder / "reports", folder / "w.duckdb"
    started = time.perf_counter()
    write_corpus(corpus, reports)
    figures = {"write_reports_s": time.perf_counter() - started}
    first = run_phase(INGEST, str(database), str(corpus))
    assert first["success"], first
    figures["ingest_reports_s"] = first["seconds"]
    started = time.perf_counter()
    figures["github_rows"] = fill(str(database), prs, files_per_pr)
    figures["fill_github_s"] = time.perf_counter() - started
    second = run_phase(INGEST, str(database), str(corpus))
    assert second["success"], second
    figures["rebuild_marts_and_publish_s"] = second["seconds"]
    figures["rebuild_steps_s"] = {step: round(seconds, 2) for step, seconds in
                                  sorted(second["steps"].items(), key=lambda item: -item[1])}
    figures["publish_snapshot_s"] = second["steps"].get("serving__snapshot")
    figures["rows"] = second["rows"]
    return database, figures


def page_queries(version: str, q) -> dict[str, list[tuple[str, callable]]]:
    """What each page asks for (of `q`, the queries), with the parameters a user would most likely give it."""
    from dashboards.examples import example_queries
    from dashboards.warehouse import connection
    from etl import user_sql

    first, last = q.week_bounds(version)
    quarter = (last - timedelta(days=90), last)  # the global range a maintainer would most likely pick
    before = (quarter[0] - timedelta(days=91), quarter[0] - timedelta(days=1))
    busiest = q.modules(version, None)[0]
    flag = q.canonical_flags(version)[0]
    chains = q.chains(version, None, None, None, False, "recent")
    chain = chains["chain_id"].iloc[0]
    key = q.find_prs(version, "10042")["pr_key"].iloc[0]
    example = next(iter(example_queries().values()))
    sort = next(iter(q.BROWSE_SORTS))
    in_quarter = q.PrFilter(start=quarter[0], end=quarter[1])
    bar, fix_bar = replace(in_quarter, risk="high"), replace(in_quarter, fixes="regression")
    no_filter = q.PrFilter()
    filtered = replace(in_quarter, module=busiest, risk="high", has_report=True)
    cell = q.PrFilter(module=busiest, flag=flag)
    # one entry per page render; variants of a page (another parameter) are entries of their own
    return {
        "gate": [("is_empty", lambda: q.is_empty(version)), ("repos", lambda: q.repos(version))],
        "trends": [("week_bounds", lambda: q.week_bounds(version)),
                   ("modules", lambda: q.modules(version, None)),
                   ("canonical_flags", lambda: q.canonical_flags(version)),
                   ("headline", lambda: q.headline(version, None, first, last, None)),
                   ("weekly", lambda: q.weekly(version, None, first, last, None)),
                   ("weekly_flags", lambda: q.weekly_flags(version, None, first, last, None))],
        "trends[module]": [("modules", lambda: q.modules(version, None)),
                           ("headline", lambda: q.headline(version, None, first, last, busiest)),
                           ("weekly", lambda: q.weekly(version, None, first, last, busiest)),
                           ("weekly_flags", lambda: q.weekly_flags(version, None, first, last, busiest))],
        "trends[compare]": [("headline", lambda: q.headline(version, None, *quarter, None)),
                            ("headline before", lambda: q.headline(version, None, *before, None)),
                            ("weekly", lambda: q.weekly(version, None, *quarter, None)),
                            ("weekly_flags", lambda: q.weekly_flags(version, None, *quarter, None))],
        "trends[bar]": [("browse_count", lambda: q.browse_count(version, bar)),
                        ("browse_prs", lambda: q.browse_prs(version, bar, sort, 100))],
        "trends[fix bar]": [("browse_count", lambda: q.browse_count(version, fix_bar)),
                            ("browse_prs", lambda: q.browse_prs(version, fix_bar, sort, 100))],
        "prs": [("modules", lambda: q.modules(version, None)),
                ("canonical_flags", lambda: q.canonical_flags(version)),
                ("browse_count", lambda: q.browse_count(version, no_filter)),
                ("browse_prs", lambda: q.browse_prs(version, no_filter, sort, 100))],
        "prs[filtered]": [("browse_count", lambda: q.browse_count(version, filtered)),
                          ("browse_prs", lambda: q.browse_prs(version, filtered, sort, 100))],
        "modules": [("module_flag_matrix", lambda: q.module_flag_matrix(version, None, None, None, 25)),
                    ("module_figures", lambda: q.module_figures(version, None, None, None)),
                    ("canonical_flags", lambda: q.canonical_flags(version)),
                    ("week_bounds", lambda: q.week_bounds(version))],
        "modules[cell]": [("browse_count", lambda: q.browse_count(version, cell)),
                          ("browse_prs", lambda: q.browse_prs(version, cell, sort, 100))],
        "modules[quarter vs before]": [
            ("module_flag_matrix", lambda: q.module_flag_matrix(version, None, *quarter, 25)),
            ("module_figures", lambda: q.module_figures(version, None, *quarter)),
            ("period_figures now", lambda: q.period_figures(version, None, *quarter)),
            ("period_figures then", lambda: q.period_figures(version, None, *before))],
        "chains": [("chains", lambda: q.chains(version, None, None, None, False, "recent")),
                   ("chain_counts", lambda: q.chain_counts(version, None, None, None)),
                   ("chain_nodes", lambda: q.chain_nodes(version, chain)),
                   ("chain_edges", lambda: q.chain_edges(version, chain))],
        "chains[all, slowest]": [("chains", lambda: q.chains(version, None, None, None, True, "slowest"))],
        "chains[quarter]": [("chains", lambda: q.chains(version, None, *quarter, False, "recent")),
                            ("chain_counts", lambda: q.chain_counts(version, None, *quarter))],
        "pr[title words]": [("find_prs", lambda: q.find_prs(version, "前缀缓存淘汰"))],
        "pr": [("find_prs", lambda: q.find_prs(version, "10042")), ("pr", lambda: q.pr(version, key)),
               ("pr_files", lambda: q.pr_files(version, key)), ("pr_snippets", lambda: q.pr_snippets(version, key)),
               ("pr_reviews", lambda: q.pr_reviews(version, key)), ("pr_flags", lambda: q.pr_flags(version, key)),
               ("pr_neighbours", lambda: q.pr_neighbours(version, key)), ("pr_chain", lambda: q.pr_chain(version, key))],
        "search": [("search", lambda: q.search(version, "显存池计数 漂移"))],
        "search[english]": [("search", lambda: q.search(version, "radix cache buffer"))],
        "search[common]": [("search", lambda: q.search(version, "修复"))],
        "search[quarter]": [("search", lambda: q.search(version, "修复", None, *quarter))],
        "sql": [("example query", lambda: user_sql.run(connection(version), example)),
                ("view_columns", lambda: q.view_columns(version))],
        "health": [("source_runs", lambda: q.source_runs(version)), ("row_counts", lambda: q.row_counts(version)),
                   ("check_results", lambda: q.check_results(version)), ("quarantine", lambda: q.quarantine(version))],
    }


class Uncached:
    """The page queries without Streamlit's cache (each cached function's `__wrapped__`): every call runs its SQL,
    as a page's first visit does."""

    def __init__(self, module) -> None:
        self._module = module

    def __getattr__(self, name: str):
        value = getattr(self._module, name)
        return getattr(value, "__wrapped__", value)


def in_a_script_run(code: str) -> None:
    """Runs `code` as a Streamlit script (through AppTest, which gives it a runtime and a script run context), so
    page code that declares or clears Streamlit caches runs as it does in the app: outside one, each declaration
    and each clear logs "No runtime found" or "missing ScriptRunContext"."""
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_string(code, default_timeout=60).run()
    assert not app.exception, [e.value for e in app.exception]


def snapshot_version() -> str:
    from dashboards.warehouse import source

    version = source().version
    assert version, "no snapshot published for the warehouse"
    return version


def time_queries(repeat: int) -> dict:
    """Each page's queries, run without the cache (PAGE_CODE runs this)."""
    in_a_script_run("import dashboards.queries")  # its @st.cache_data declarations, as the app makes them
    from dashboards import queries

    version = snapshot_version()
    results = {}
    for page, calls in page_queries(version, Uncached(queries)).items():
        per_query = {name: [] for name, _ in calls}
        totals = []
        for _ in range(repeat):
            total = 0.0
            for name, call in calls:
                started = time.perf_counter()
                call()
                elapsed = (time.perf_counter() - started) * 1000
                per_query[name].append(elapsed)
                total += elapsed
            totals.append(total)
        results[page] = {"page_p95_ms": p95(totals),
                         "queries_p95_ms": {name: round(p95(s), 1) for name, s in per_query.items()}}
    return results


CLEAR_CACHES = "import streamlit as st\nst.cache_data.clear()"
# The page code is timed in processes of its own, as the build's phases are. AppTest, which runs it as Streamlit
# would, logs "missing ScriptRunContext" each time one is made (its constructor writes session state outside a
# script run), whatever the page does: that log stays the phase's, out of the figures (shown if it fails).
PAGE_CODE = """
import json, os, sys
import bench_dashboards
os.environ["PR_ATLAS_DATABASE"] = sys.argv[2]
print(json.dumps(getattr(bench_dashboards, sys.argv[1])(int(sys.argv[3]))))
"""


def page_code(timing: str, database: Path, repeat: int) -> dict:
    """The figures of `timing` (time_queries or time_apptest), run by PAGE_CODE in a process of its own."""
    figures = run_phase(PAGE_CODE, timing, str(database), str(repeat))
    figures.pop("process_seconds")
    return figures


def time_apptest(repeat: int) -> dict:
    """Server-side render: the whole script run of each page, caches cleared first (PAGE_CODE runs this)."""
    from streamlit.testing.v1 import AppTest

    params = {"pr": {"pr": "10042"}, "search": {"q": "显存池计数"}}
    snapshot_version()
    results = {}
    for page in PAGES:
        samples = []
        for _ in range(repeat):
            in_a_script_run(CLEAR_CACHES)
            app = AppTest.from_file(str(PROJECT_ROOT / "dashboards" / "app.py"), default_timeout=60)
            for name, value in params.get(page, {}).items():
                app.query_params[name] = value
            app.run()  # the first run lands on Trends and fills session state; time the page itself
            in_a_script_run(CLEAR_CACHES)
            started = time.perf_counter()
            if page == "trends":
                app.run()
            else:
                app.switch_page(f"app_pages/{page}.py").run()
            samples.append(time.perf_counter() - started)
            assert not app.exception, (page, [e.value for e in app.exception])
        results[page] = {"p95_s": round(p95(samples), 3), "max_s": round(max(samples), 3)}
    return results


# Keeps, on the page's own clock (ms since its navigation began), when it last changed (a node added or removed,
# a text changed: an element drawn, a chart's marks) and when it was last clicked. The header (Streamlit's status
# widget and menu) does not count. Installed before any script of the page runs.
LAST_DRAWN = """
window.__drawn = 0;
window.__clicked = 0;
addEventListener("click", () => { window.__clicked = performance.now(); }, true);
new MutationObserver(records => {
  const drawn = records.some(record => {
    const node = record.target.nodeType === Node.ELEMENT_NODE ? record.target : record.target.parentElement;
    return node && !node.closest('[data-testid="stHeader"]');
  });
  if (drawn) window.__drawn = performance.now();
}).observe(document, {childList: true, subtree: true, characterData: true});
"""
QUIET_MS = 1500  # nothing drawn for this long after the script ran: the page is complete
# The least a Streamlit page can be, and what one element of the kinds the pages draw adds to it.
FLOOR = 'import datetime, altair as alt, pandas as pd, streamlit as st\n\nst.title("Floor")\n'
FLOORS = {
    "floor (a title only)": FLOOR,
    "floor + a table": FLOOR + 'st.dataframe(pd.DataFrame({c: range(100) for c in "abcdef"}))\n',
    "floor + a chart": FLOOR + 'st.altair_chart(alt.Chart(pd.DataFrame({"x": range(50), "y": range(50)}))'
                               '.mark_bar().encode(x="x:O", y="y:Q"))\n',
    "floor + sidebar widgets": FLOOR + 'st.sidebar.selectbox("Repo", ["a", "b"])\n'
                                       'st.sidebar.date_input("Merged", (datetime.date(2025, 1, 1), '
                                       'datetime.date(2025, 6, 1)))\n',
}


def drawn_in(page, since: str = "0") -> float:
    """Seconds from `since` (a page-clock expression) to the last element drawn, once the script has finished and
    nothing has been drawn for QUIET_MS."""
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]') && "
                           f"window.__drawn > {since} && performance.now() - window.__drawn > {QUIET_MS}",
                           timeout=60_000, polling=100)
    return page.evaluate(f"window.__drawn - {since}") / 1000


def time_browser(database: Path, repeat: int) -> dict | None:
    """Real render in headless Chromium, to the last element drawn: each page opened in a new tab at its own
    address (the browser cache warm: the first visit of each page is not counted), and reached from another page
    through the sidebar; and the floors (FLOORS), opened in a new tab."""
    if not Path(CHROMIUM).exists():
        return None
    urls = {"pr": "/pr?pr=10042", "search": "/search?q=%E6%98%BE%E5%AD%98%E6%B1%A0"}
    titles = {"trends": "Trends", "prs": "Pull requests", "modules": "Module risk", "chains": "Regression chains",
              "pr": "#10042", "search": "Search reports", "sql": "SQL", "health": "Data health"}
    links = {"trends": "Trends", "prs": "Pull requests", "modules": "Modules", "chains": "Regression chains",
             "pr": "PR report", "search": "Search", "sql": "SQL", "health": "Data health"}
    results = {}
    with chromium() as browser:
        context = browser.new_context()  # one visitor: the app's JavaScript is fetched once, then cached
        context.add_init_script(LAST_DRAWN)
        with tempfile.TemporaryDirectory() as folder:
            for name, code in FLOORS.items():
                floor = Path(folder) / f"floor_{len(results)}.py"
                floor.write_text(code, encoding="utf-8")
                with streamlit_server(floor) as base:
                    samples = []
                    for attempt in range(repeat + 1):
                        page = context.new_page()
                        page.goto(base)
                        page.get_by_role("heading", level=1, name="Floor").wait_for(timeout=60_000)
                        if attempt:
                            samples.append(drawn_in(page))
                        page.close()
                    results[name] = {"new_tab_p95_s": round(p95(samples), 3)}
        with dashboard_server(database, timeout=120) as base:
            for page_name in PAGES:
                new_tab, in_app = [], []
                for attempt in range(repeat + 1):
                    page = context.new_page()
                    page.goto(f"{base}{urls.get(page_name, '/' + page_name)}")
                    page.get_by_role("heading", level=1).filter(has_text=titles[page_name]).wait_for(timeout=60_000)
                    tab = drawn_in(page)
                    # in-app: from another page, through the sidebar, as a user moves around
                    other = "health" if page_name != "health" else "sql"
                    page.get_by_role("link", name=links[other], exact=True).click()
                    page.get_by_role("heading", level=1).filter(has_text=titles[other]).wait_for(timeout=60_000)
                    drawn_in(page, "window.__clicked")
                    page.get_by_role("link", name=links[page_name], exact=True).click()
                    # the PR page's link opens it without a PR (its heading "PR report"): any heading but the last
                    heading = page.get_by_role("heading", level=1)
                    heading = heading.filter(has_not_text=titles[other]) if page_name == "pr" else heading.filter(
                        has_text=titles[page_name])
                    heading.first.wait_for(timeout=60_000)
                    nav = drawn_in(page, "window.__clicked")
                    if attempt:  # the first visit of each page warms the browser cache
                        new_tab.append(tab)
                        in_app.append(nav)
                    page.close()
                results[page_name] = {"new_tab_p95_s": round(p95(new_tab), 3), "in_app_p95_s": round(p95(in_app), 3)}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, help="time an existing warehouse (one kept by --keep) instead")
    parser.add_argument("--prs", type=int, default=100_000)
    parser.add_argument("--files-per-pr", type=int, default=10)
    parser.add_argument("--reports", type=int, default=40_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the synthetic warehouse and print where")
    parser.add_argument("--only", choices=PARTS, action="append",
                        help="time only this part (repeatable): the queries, the scripts (AppTest), the browser")
    args = parser.parse_args()
    parts = args.only or PARTS

    folder = Path(tempfile.mkdtemp(prefix="pr_atlas_bench_dash_"))
    try:
        if args.warehouse:
            database, figures = args.warehouse.resolve(), {"reused": str(args.warehouse)}
        else:
            database, figures = build(folder, args.prs, args.files_per_pr, args.reports)
        from etl.snapshot import current_snapshot

        snapshot = current_snapshot(database)
        print(json.dumps({"build": figures, "snapshot_mb": round(snapshot.stat().st_size / 1e6, 1)}, indent=1))
        queries = page_code("time_queries", database, args.repeat) if "queries" in parts else {}
        render = page_code("time_apptest", database, max(3, args.repeat // 4)) if "scripts" in parts else {}
        browser = (time_browser(database, max(3, args.repeat // 4)) if "browser" in parts else None) or {}
        print(f"\n{'page':26} {'queries p95':>11} {'slowest query (p95)':>30} {'script p95':>11} "
              f"{'new tab p95':>12} {'in-app p95':>11}")
        print(f"{'':26} {'':>11} {'':>30} {'':>11} {'(to the last element drawn)':>25}")
        for page in [*queries, *(name for name in browser if name not in queries)]:
            result = queries.get(page)
            slowest = max(result["queries_p95_ms"].items(), key=lambda item: item[1]) if result else None
            script = render.get(page, {}).get("p95_s")
            tab = browser.get(page, {}).get("new_tab_p95_s")
            nav = browser.get(page, {}).get("in_app_p95_s")
            cells = [f"{result['page_p95_ms']:>8.1f} ms {slowest[0]:>22} {slowest[1]:>5.1f} ms" if result
                     else " " * 42, f"{script:>9.3f} s" if script else " " * 11,
                     f"{tab:>10.3f} s" if tab else " " * 12, f"{nav:>9.3f} s" if nav else ""]
            print(f"{page:26} " + " ".join(cells))
        print(json.dumps({"queries": queries, "apptest": render, "browser": browser}, ensure_ascii=False))
        if args.keep:
            print(f"kept: {database}")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
