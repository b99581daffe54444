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

hits = queries.search(version, text)
if hits.empty:
    st.warning("No report contains those terms.")
    st.stop()
st.caption(f"{len(hits)} best match(es)")
for hit in hits.itertuples():
    with st.container(border=True):
        ui.pr_link(hit.pr_key, ui.pr_label(hit.number, hit.display_title, hit.pr_key))
        # snippet() escapes the report text itself; only its <mark> tags are markup
        st.html(f"<div style=\"line-height:1.6\">{highlight.snippet(hit.body_text, text)}</div>")
        st.caption(f"{hit.repo} · score {hit.score} · {hit.terms_matched}/{hit.query_terms} terms")
