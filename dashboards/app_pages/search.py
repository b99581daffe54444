import pandas as pd
import streamlit as st

from dashboards import highlight, queries, ui

st.title("Search reports")
version = ui.version()
text = st.text_input("Search", key="q", bind="query-params",
                     placeholder="e.g. 内存泄漏, profiler, fused_moe, 回滚 …")
if not text.strip():
    st.caption("Chinese and English: Chinese text is matched by overlapping character pairs, so words need no "
               "spaces around them. Results are ranked by BM25.")
    st.stop()

scope = ui.scope()
hits = queries.search(version, text, scope.repo, scope.start, scope.end)
narrowed = " in the chosen repo and merge range" if any(scope.params().values()) else ""
if hits.empty:
    st.warning(f"No report{narrowed} contains those terms.")
    st.stop()
st.caption(f"{len(hits)} best match(es){narrowed}")
for hit in hits.itertuples():
    with st.container(border=True):
        ui.pr_link(hit.pr_key, ui.pr_label(hit.number, hit.display_title, hit.pr_key))
        # snippet() escapes the report text itself; only its <mark> tags are markup
        st.html(f"<div style=\"line-height:1.6\">{highlight.snippet(hit.body_text, text)}</div>")
        merged = f"merged {hit.merged_at:%Y-%m-%d}" if not pd.isna(hit.merged_at) else "merge date unknown"
        st.caption(ui.as_text(f"{hit.repo} · {merged} · {hit.terms_matched} of {hit.query_terms} terms · "
                              f"score {hit.score}"))
