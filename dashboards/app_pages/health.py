import json
from pathlib import Path

import streamlit as st

from dashboards import charts, queries, ui

# The collectors record one row per repo ("github:OWNER/REPO"); a source with none shows as never run.
FAIL_STYLE = "background-color: #f8d0d0; color: #8b0000; font-weight: bold"
PASS_STYLE = "color: #1b5e20"
SOURCES = ("reports", "report_site", "github", "git", "metrics", "risk", "search", "snapshot")

st.title("Data health")
version = ui.version()
st.caption(f"Snapshot `{Path(version).name}`, published by the last ingestion; the dashboards read it, never the "
           "warehouse being written.")

st.subheader("Last ingestion per source")
runs = queries.source_runs(version).set_index("source")
rows = []
names = [name for base in SOURCES
         for name in sorted(s for s in runs.index if s == base or s.startswith(base + ":")) or [base]]
for name in names:
    if name in runs.index:
        run = runs.loc[name]
        summary = json.loads(run["summary"]) if run["summary"] else {}
        rows.append({"source": name, "last run (UTC)": run["finished_at"], "run": run["run_id"][:8],
                     "figures": ", ".join(f"{k}: {v}" for k, v in summary.items()
                                          if v is not None and not isinstance(v, (list, dict)))})
    else:
        rows.append({"source": name, "last run (UTC)": None, "run": "never run (not configured?)", "figures": ""})
ui.data_table(rows, hide_index=True, width="stretch", column_config={
    "source": st.column_config.TextColumn(width="medium"), "run": st.column_config.TextColumn(width="small"),
    "figures": st.column_config.TextColumn(width="large")})

left, right = st.columns([1, 3])
with left:
    st.subheader("Rows")
    ui.data_table(queries.row_counts(version), hide_index=True, width="stretch")
with right:
    st.subheader("Checks")
    checks = queries.check_results(version)
    failed = checks[~checks["passed"]]
    if failed.empty:
        st.success(f"All {len(checks)} checks passed.", icon=":material/check_circle:")
    else:
        errors = int((failed["severity"] == "ERROR").sum())
        (st.error if errors else st.warning)(f"{len(failed)} of {len(checks)} checks did not pass "
                                              f"({errors} errors, {len(failed) - errors} warnings).")
        # words and colour, not emoji: they read the same with any font and in a screenshot
        for check in failed.itertuples():
            st.markdown(f":red-background[**FAIL**] {ui.as_text(check.check_name)} on {ui.as_text(check.asset)} "
                        f"({check.severity.lower()})")
    shown = checks.assign(passed=checks["passed"].map({True: "pass", False: "FAIL"}))
    ui.data_table(shown.style.map(lambda v: FAIL_STYLE if v == "FAIL" else PASS_STYLE, subset=["passed"]),
                  hide_index=True, width="stretch", column_config={
                      "passed": st.column_config.TextColumn("result", width="small"),
                      "severity": st.column_config.TextColumn(width="small"),
                      "metadata": st.column_config.TextColumn(width="large")})

ui.listing("Quarantine", queries.quarantine(version),
           "Nothing in quarantine: every document was read as a report.",
           lambda quarantined: f"{len(quarantined)} document(s) could not be read as reports; their bytes are kept in "
                               "raw.documents, exactly as received. Entries without a size were found in a report "
                               "location but not read (links, pipes, unreadable or oversized files); the reason says "
                               "why.")
ui.listing("Parse warnings", queries.parse_warnings(version),
           "No report was read with damage: no cut characters, repaired encodings, unclosed code fences, "
           "out-of-range numbers or unreadable dates.",
           lambda warned: f"{len(warned)} warning(s) on {warned['report_id'].nunique()} report(s): each was parsed, "
                       "but part of it was damaged or contradicts itself (the warning says what was done).")
ui.listing("GitHub: values changed or left out", queries.github_warnings(version),
           "Every GitHub payload was what the API documents: nothing had to be changed or left out.",
           lambda warned: f"{len(warned)} value(s) on {warned['pr_key'].nunique()} PR(s) were of another type or range "
                       "than GitHub documents, or text that cannot be stored: each PR is stored with what could be "
                       "read, and the warning names the field and says what was done.",
           column_config={"warning": st.column_config.TextColumn(width="large")})
ui.listing("Requests that gave up (asked again by the next run)", queries.fetch_misses(version),
           "Every request for a PR, its parts and its report was answered.",
           lambda missed: f"{len(missed)} request(s) got nothing usable: a part of a PR (kept without it), a list "
                       "page, a PR whose number cannot be stored, a report not published yet. The reason says which; "
                       "each is asked again by the next run and goes once it is answered.",
           column_config={"detail": st.column_config.TextColumn(width="large")})

st.subheader("Regression risk model")
scope = ui.scope()
calibration = queries.calibration(version, scope.repo)
if calibration.empty:
    st.caption("No scored PR has a known outcome yet (it is known 90 days after the merge): nothing to calibrate.")
else:
    st.caption(f"Calibration over the {int(calibration['prs'].sum()):,} PRs whose 90-day outcome is known"
               f"{' in ' + scope.repo if scope.repo else ''}: per band, the mean predicted chance of introducing a "
               "bug beside the share that did. Each PR was scored by the version in force when it merged, trained "
               "before it; band unknown is the base rate while a repo had too few known outcomes.")
    st.altair_chart(charts.calibration(calibration), width="stretch", key="calibration")
ui.data_table(queries.risk_models(version), hide_index=True, width="stretch", column_config={
    "reason": st.column_config.TextColumn(width="large")})
