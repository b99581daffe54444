import pandas as pd
import streamlit as st

from dashboards import queries, ui

RISK_COLOURS = {"high": "red", "medium": "orange", "low": "green"}
OUTCOMES = {True: "it introduced a bug: reverted, or named by a regression fix, within 90 days of its merge",
            False: "no revert or regression fix named it within 90 days of its merge"}
FILES_IN_TABLE = 60  # the report's key files come first, then the most changed

version = ui.version()


def go_to_typed() -> None:
    st.query_params["pr"] = st.session_state["pr_box"]


# The URL is the truth (links between PRs change it); the box shows it and, when edited, changes it.
typed = st.query_params.get("pr", "")
if st.session_state.get("pr_box") != typed:
    st.session_state["pr_box"] = typed
st.text_input("PR", key="pr_box", on_change=go_to_typed,
              placeholder="a number (22598), a key (owner/repo#22598) or words from the title")
if not typed:
    st.title("PR report")
    st.caption("Pick a PR above, or follow a link from any other page.")
    st.stop()

found = queries.find_prs(version, typed)
exact = found[found["pr_key"] == typed]
if len(exact) == 1 or len(found) == 1:
    key = (exact if len(exact) == 1 else found)["pr_key"].iloc[0]
else:
    st.title("PR report")
    if found.empty:
        st.warning("No PR matches that number, key or title.")
    else:
        st.write(f"{len(found)} PRs match; pick one:")
        for row in found.itertuples():
            ui.pr_link(row.pr_key, f"{row.repo} · {ui.pr_label(row.number, row.display_title, row.pr_key)}")
    st.stop()

pr = queries.pr(version, key)
# Every title, name and text below is the data's: drawn as text (ui.as_text), never as Markdown or HTML.
st.title(ui.as_text(ui.pr_label(pr["number"], pr["display_title"], key)))
with ui.section("The PR's summary"):
    merged = pr["merged_at"]
    facts = [pr["repo"], f"merged {merged:%Y-%m-%d %H:%M} UTC" if ui.present(merged) else (
        pr["state"] if ui.present(pr["state"]) else "not merged"),
        f"by {pr['author']}" if ui.present(pr["author"]) else None]
    st.caption(" · ".join(ui.as_text(fact) for fact in facts if fact))
    links = st.columns(4)
    if github := ui.safe_url(pr["github_url"]):
        links[0].link_button("On GitHub", github, icon=":material/open_in_new:")
    if original := ui.safe_url(pr["source_url"]):
        links[1].link_button("Original report", original, icon=":material/description:")
    if ui.known(pr["additions"]) or ui.known(pr["deletions"]):
        links[2].metric("Lines", ui.line_counts(pr["additions"], pr["deletions"], " / "))
    if ui.known(pr["changed_files"]):
        links[3].metric("Files changed", f"{int(pr['changed_files']):,}")

    badges = st.container(horizontal=True)
    with badges:
        level = pr["risk_level"] if ui.present(pr["risk_level"]) else "unknown"
        st.badge(ui.as_text(f"report risk: {level}"), color=RISK_COLOURS.get(level, "gray"),
                 icon=":material/warning:")
        for flag in queries.pr_flags(version, key).itertuples():
            st.badge(ui.as_text(f"{flag.canonical_flag}: {flag.flag}" if flag.canonical_flag != "other" else flag.flag),
                     color="orange" if flag.canonical_flag != "other" else "gray")
        for source in pr["sources"] if ui.present(pr["sources"]) else []:
            st.badge(ui.as_text(f"from {source}"), color="blue")

with ui.section("The PR's predicted regression risk"):
    risk = queries.pr_risk(version, key)
    if risk:
        with st.container(border=True):
            head = st.columns([1, 3], vertical_alignment="center")
            score = risk["score"]
            head[0].metric("Predicted regression risk", f"{score:.0%}" if ui.known(score) else ui.ABSENT)
            with head[1]:
                st.badge(ui.as_text(f"risk band: {risk['band']}"), color=RISK_COLOURS.get(risk["band"], "gray"),
                         icon=":material/query_stats:")
                factors = list(risk["top_factors"]) if ui.present(risk["top_factors"]) else []
                if factors:
                    st.markdown("**What raised it:** " + "; ".join(ui.as_text(f) for f in factors))
                if ui.present(risk["reason"]):
                    st.caption(ui.as_text(risk["reason"]))
            trained = f", trained on PRs merged until {risk['trained_through']:%Y-%m-%d}" \
                if ui.present(risk["trained_through"]) else ""
            outcome = OUTCOMES.get(bool(risk["introduced_bug"])) if pd.notna(risk["introduced_bug"]) else \
                f"known from {risk['label_due_at']:%Y-%m-%d}" if ui.present(risk["label_due_at"]) else "not merged yet"
            st.caption(ui.as_text(f"Model {risk['model_version']} ({risk['algorithm'].replace('_', ' ')}{trained}). "
                                  f"Outcome: {outcome}."))

with ui.section("The PR's description"):
    if not ui.present(pr["has_report"]):
        st.info("No analysis report for this PR yet; this page shows what GitHub or git recorded.")
        ui.text_block("Description on GitHub", pr["github_body"])
    ui.text_block("In one line", pr["one_liner"])
    ui.text_block("Recommendation", pr["recommendation"])
    ui.text_block("Motivation", pr["motivation"])
    steps = pr["implementation_steps"]
    if ui.present(steps):
        st.markdown("**Implementation steps**")
        st.markdown("\n".join(f"{i}. {ui.as_text(str(step)[:ui.LONG_TEXT])}" for i, step in enumerate(steps, 1)))
    else:
        ui.text_block("Implementation", pr["implementation"])

with ui.section("The PR's files"):
    files = queries.pr_files(version, key)
    if not files.empty:
        st.subheader("Files")
        # a wrapping table, so every column (the reason last) fits the page at any width
        st.table(ui.files_table(files.head(FILES_IN_TABLE)), hide_index=True)
        if len(files) > FILES_IN_TABLE:
            with st.expander(f"All {len(files):,} files"):
                ui.data_table(files, hide_index=True, width="stretch")

with ui.section("The PR's code"):
    snippets = queries.pr_snippets(version, key)
    if not snippets.empty:
        st.subheader("Code")
        for i, snip in enumerate(snippets.itertuples()):
            st.markdown(ui.as_text(" · ".join(str(p) for p in (snip.path, snip.description) if ui.present(p))))
            ui.long_code(snip.code, snip.language if ui.present(snip.language) else None, f"code{i}")


def review_heading(review) -> str:
    if review.source == "report":
        return " · ".join(str(x) for x in (review.topic, review.category) if ui.present(x))
    when = f" {review.submitted_at:%Y-%m-%d}" if ui.present(review.submitted_at) else ""
    who = review.reviewer if ui.present(review.reviewer) else "a deleted account"  # GitHub gives no user
    bot = " (bot)" if review.reviewer_is_bot is True else ""
    state = review.state if ui.present(review.state) else "state unknown"
    return f"GitHub review by {who}{bot}: {state}{when}"


with ui.section("The PR's reviews"):
    reviews = queries.pr_reviews(version, key)
    if not reviews.empty or ui.present(pr["review_summary"]):
        st.subheader("Review")
        ui.text_block("Summary", pr["review_summary"])
        for i, review in enumerate(reviews.itertuples()):
            with st.container(border=True):
                st.markdown(f"**{ui.as_text(review_heading(review))}**")
                if ui.present(review.body) and str(review.body).strip():
                    ui.long_text(review.body, f"review{i}")
                else:
                    st.markdown("*(no text)*")

    if ui.present(pr["risk_text"]) or ui.present(pr["impact"]):
        st.subheader("Risks and impact")
        ui.text_block("Risks", pr["risk_text"])
        ui.text_block("Impact", pr["impact"])

def said(link) -> list[str]:
    """The sentence that makes a link, quoted, when there is one."""
    return [f"“{link.evidence}”"] if ui.present(link.evidence) else []


with ui.section("The PR's links to other PRs"):
    neighbours = queries.pr_neighbours(version, key)
    chain = queries.pr_chain(version, key)
    links = neighbours[neighbours["relation"] != "reference"]
    mentions = neighbours[neighbours["relation"] == "reference"]
    if not links.empty or not chain.empty:
        st.subheader("Regression chain")
        for direction, heading in (("upstream", "Earlier PRs this one fixes, reverts or follows up"),
                                   ("downstream", "Later PRs that fixed, reverted or followed up this one")):
            rows = links[links["direction"] == direction]
            if not rows.empty:
                st.markdown(f"**{heading}**")
                for row in rows.itertuples():
                    label = ui.pr_label(row.number, row.display_title, row.other_key)
                    ui.pr_link(row.other_key, f"{row.relation}: {label}")
                    st.caption(ui.as_text(" · ".join([row.status, f"from {', '.join(row.sources)}", *said(row)])))
        for row in chain.itertuples():
            st.page_link("app_pages/chains.py", label=f"Whole chain ({len(row.members)} PRs)",
                         icon=":material/account_tree:", query_params={"chain": row.chain_id})
    if not mentions.empty:
        with st.expander(f"PRs it mentions or is mentioned by ({len(mentions)}): references, not fixes"):
            for row in mentions.itertuples():
                ui.pr_link(row.other_key, ui.pr_label(row.number, row.display_title, row.other_key))
                st.caption(ui.as_text(" · ".join([f"from {', '.join(row.sources)}", *said(row)])))
