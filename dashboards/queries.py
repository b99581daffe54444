"""Every query the dashboards run, in one place. Each takes the snapshot version first (so a new snapshot
means fresh results) and binds its filters as parameters; nothing user-typed is formatted into SQL.
Filters use null for "all": `($repo is null or repo = $repo)`."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

import pandas as pd
import streamlit as st

from .warehouse import read

# A snapshot never changes, so a result could be kept for ever; the bounds are about memory. Every key starts with
# the snapshot's version, and once a newer one is published the old version is never asked again: after an hour its
# entries are gone (a query in use runs again at most once an hour, at most ~120 ms on 100,000 PRs: make
# bench-dashboards). 128 entries a function (least recently used dropped first) hold that hour's distinct views:
# each PR opened, each filter combination, each search is one entry of each function the page calls.
cached = st.cache_data(max_entries=128, ttl="1h", show_spinner=False)
ALL_MODULES = "(all)"


@cached
def is_empty(version: str) -> bool:
    """True before the first ingestion has produced any PR or document."""
    has_views = read(version, "select count(*) as n from information_schema.tables "
                              "where table_schema = 'main' and table_name = 'pull_requests'")["n"][0]
    if not has_views:
        return True
    return bool(read(version, "select (select count(*) from pull_requests) + (select count(*) from quarantine) "
                              "as n")["n"][0] == 0)


# ---- filters -------------------------------------------------------------------------------------------

@cached
def repos(version: str) -> list[str]:
    return read(version, "select distinct repo from pull_requests order by repo")["repo"].tolist()


@cached
def week_bounds(version: str) -> tuple[date | None, date | None]:
    row = read(version, "select min(week) as first, max(week) as last from weekly_trends").iloc[0]
    return (None, None) if pd.isna(row["first"]) else (row["first"].date(), row["last"].date())


@cached
def modules(version: str, repo: str | None) -> list[str]:
    return read(version, "select module from module_risk where ($repo is null or repo = $repo) "
                         "group by module order by sum(prs) desc, module", {"repo": repo})["module"].tolist()


# ---- trends --------------------------------------------------------------------------------------------

_WEEKS = """
    from weekly_trends
    where ($repo is null or repo = $repo) and module = $module
      and week between date_trunc('week', $start::date) and $end
"""


def _trend_params(repo, start, end, module) -> dict:
    return {"repo": repo, "start": start, "end": end, "module": module or ALL_MODULES}


@cached
def headline(version: str, repo: str | None, start: date, end: date, module: str | None) -> dict:
    totals = read(version, f"""
        select coalesce(sum(prs_merged), 0)::bigint as prs, coalesce(sum(prs_with_reports), 0)::bigint as reports,
               coalesce(sum(flagged_prs), 0)::bigint as flagged,
               coalesce(sum(regression_fixes), 0)::bigint as regression_fixes,
               coalesce(sum(reverts), 0)::bigint as reverts
        {_WEEKS}""", _trend_params(repo, start, end, module)).iloc[0].to_dict()
    # days to fix: over the regression fixes merged in the range (and touching the module, when one is chosen)
    fix = read(version, """
        select median(date_diff('second', f.merged_at, t.merged_at) / 86400.0) as median_days
        from pr_links l
        join pull_requests f on f.pr_key = l.from_key
        join pull_requests t on t.pr_key = l.to_key
        where l.relation = 'regression' and l.in_chains and ($repo is null or t.repo = $repo)
          and t.merged_at >= date_trunc('week', $start::date)
          and t.merged_at < date_trunc('week', $end::date) + interval 7 day
          and ($module = '(all)' or exists (select 1 from pr_modules m
                                             where m.pr_key = t.pr_key and m.module = $module))
    """, _trend_params(repo, start, end, module)).iloc[0]
    totals["median_days_to_fix"] = None if pd.isna(fix["median_days"]) else float(fix["median_days"])
    totals["share_flagged"] = totals["flagged"] / totals["reports"] if totals["reports"] else None
    return totals


@cached
def weekly(version: str, repo: str | None, start: date, end: date, module: str | None) -> pd.DataFrame:
    return read(version, f"""
        select week, sum(high_risk_prs)::bigint as high, sum(medium_risk_prs)::bigint as medium,
               sum(low_risk_prs)::bigint as low, sum(unknown_risk_prs)::bigint as unknown,
               sum(regression_fixes)::bigint as regression_fixes, sum(reverts)::bigint as reverts
        {_WEEKS}
        group by week order by week""", _trend_params(repo, start, end, module))


TOP_FLAGS = 8
OTHER_FLAGS = "other flags"


@cached
def weekly_flags(version: str, repo: str | None, start: date, end: date, module: str | None) -> pd.DataFrame:
    """PRs per week and canonical flag: the range's most frequent flags, the rest summed as 'other flags'."""
    return read(version, """
        with in_range as (
            select week, canonical_flag, prs from weekly_flag_counts
            where ($repo is null or repo = $repo) and module = $module
              and week between date_trunc('week', $start::date) and $end
        ),
        top_flags as (
            select canonical_flag from in_range group by canonical_flag
            order by sum(prs) desc, canonical_flag limit $top
        )
        select week, case when canonical_flag in (select canonical_flag from top_flags) then canonical_flag
                          else $other end as canonical_flag,
               sum(prs)::bigint as prs
        from in_range group by all order by week, canonical_flag""",
                {**_trend_params(repo, start, end, module), "top": TOP_FLAGS, "other": OTHER_FLAGS})


# ---- modules -------------------------------------------------------------------------------------------

def _scope_params(repo, start, end) -> dict:
    return {"repo": repo, "start": start, "end": end}


# a pr_module_facts row in scope: the repo (null: all) and merge dates (null: open-ended; with either bound,
# unmerged PRs drop out). Its '(all)' rows hold each PR once.
_FACTS_IN_SCOPE = """($repo is null or repo = $repo) and ($start is null or merged_at >= $start)
                     and ($end is null or merged_at < $end::date + interval 1 day)"""


@cached
def module_figures(version: str, repo: str | None, start: date | None, end: date | None) -> pd.DataFrame:
    """Per module and repo, over the PRs merged in the range (every PR when there is no range): how many,
    how many flagged, how many a later PR fixed or reverted, how many fixed a regression and in how many
    days (median), how many at each risk level; and the share the risk model predicted to introduce a bug
    (mean score) beside the share that did, among the PRs whose 90-day outcome is known."""
    return read(version, f"""
        select module, count(*) as prs, count(*) filter (where len(canonical_flags) > 0) as flagged_prs,
               round(100.0 * count(*) filter (where introduced_regression or reverted) / count(*), 1)
                   as pct_later_fixed,
               round(100.0 * avg(score), 1) as pct_predicted,
               round(100.0 * avg(introduced_bug::int), 1) as pct_observed,
               count(introduced_bug) as prs_with_outcome,
               count(*) filter (where introduced_regression) as regressions_introduced,
               count(*) filter (where reverted) as reverted_prs,
               count(*) filter (where fixed_regression) as regressions_fixed,
               round(median(days_to_fix), 1) as median_days_to_fix,
               count(*) filter (where risk_level = 'high') as high_risk_prs,
               count(*) filter (where risk_level = 'medium') as medium_risk_prs,
               count(*) filter (where risk_level = 'low') as low_risk_prs,
               repo
        from pr_module_facts left join (select pr_key, score, introduced_bug from pr_risk) using (pr_key)
        where module <> '(all)' and {_FACTS_IN_SCOPE}
        group by repo, module order by flagged_prs desc, prs desc, module, repo""",
                _scope_params(repo, start, end))


@cached
def period_figures(version: str, repo: str | None, start: date, end: date) -> pd.DataFrame:
    """What two periods are compared on, per module (over every repo in scope) and for '(all)' (each PR
    once): merged PRs, flagged share, regressions introduced and fixed, median days to fix."""
    return read(version, f"""
        select module, count(distinct pr_key) as merged_prs,
               round(100.0 * count(distinct pr_key) filter (where len(canonical_flags) > 0)
                     / count(distinct pr_key), 1) as pct_flagged,
               count(distinct pr_key) filter (where introduced_regression) as regressions_introduced,
               count(distinct pr_key) filter (where fixed_regression) as regressions_fixed,
               round(median(days_to_fix), 1) as median_days_to_fix
        from pr_module_facts where merged_at is not null and {_FACTS_IN_SCOPE}
        group by module""", _scope_params(repo, start, end))


@cached
def module_flag_matrix(version: str, repo: str | None, start: date | None, end: date | None,
                       top: int) -> pd.DataFrame:
    """Long form (module, canonical_flag, prs) for the `top` modules with the most flagged PRs in scope.
    (pr_key, module) is unique in pr_module_facts and its flags are distinct, so rows count PRs."""
    return read(version, f"""
        with flagged as (
            select module, canonical_flags from pr_module_facts
            where module <> '(all)' and len(canonical_flags) > 0 and {_FACTS_IN_SCOPE}
        ),
        busiest as (
            select module, count(*) as flagged from flagged group by module order by flagged desc, module limit $top
        ),
        cells as (
            select module, unnest(canonical_flags) as canonical_flag, b.flagged
            from flagged join busiest b using (module)
        )
        select module, canonical_flag, count(*) as prs, any_value(flagged) as flagged
        from cells group by all order by flagged desc, module, canonical_flag""",
                {**_scope_params(repo, start, end), "top": top})


# ---- regression chains ---------------------------------------------------------------------------------

CHAINS_SHOWN = 300
# a chain is in a merge range when any member merged in it
_CHAIN_SCOPE = """($repo is null or repo = $repo) and ($start is null or last_merged_at >= $start)
                  and ($end is null or first_merged_at < $end::date + interval 1 day)"""
# a chain a maintainer looks for regressions in: one whose links are not all follow-ups
_HAS_FIX = "list_has_any(relations, ['regression', 'revert'])"
# how the chains page orders chains: most recent (by the latest merge of a member), most PRs, slowest to fix (from
# the first member's merge to its first fix, revert or follow-up); chain_id last, so the order is always the same
CHAIN_ORDERS = {"recent": "last_merged_at desc nulls last, chain_id",
                "size": "length desc, last_merged_at desc nulls last, chain_id",
                "slowest": "days_to_fix desc nulls last, last_merged_at desc nulls last, chain_id"}


@cached
def chain_counts(version: str, repo: str | None, start: date | None, end: date | None) -> dict[str, int]:
    """Chains in scope: `all` of them, and `with_fix`, those holding a regression or a revert."""
    row = read(version, f"select count(*) as all, count(*) filter (where {_HAS_FIX}) as with_fix "
                        f"from regression_chains where {_CHAIN_SCOPE}", _scope_params(repo, start, end)).iloc[0]
    return {"all": int(row["all"]), "with_fix": int(row["with_fix"])}


@cached
def chains(version: str, repo: str | None, start: date | None, end: date | None, follow_ups_only_too: bool,
           order: str, limit: int = CHAINS_SHOWN) -> pd.DataFrame:
    """The chains in scope (those holding a regression or revert, or with `follow_ups_only_too` every one) in one
    of CHAIN_ORDERS, at most `limit`. `members` reads `#123` per member, `(no number)` for an unnumbered
    report; `first_title` is null when the first PR has no title (the view gives its key then)."""
    return read(version, f"""
        select chain_id, [coalesce('#' || n, '(no number)') for n in member_numbers] as members,
               nullif(member_titles[1], chain_id) as first_title, length, days_to_fix, first_merged_at,
               last_merged_at, relations, modules, repo
        from regression_chains
        where {_CHAIN_SCOPE} and ($follow_ups_only_too or {_HAS_FIX})
        order by {CHAIN_ORDERS[order]} limit $limit""",
                {**_scope_params(repo, start, end), "follow_ups_only_too": follow_ups_only_too, "limit": limit})


@cached
def chain_nodes(version: str, chain_id: str) -> pd.DataFrame:
    return read(version, """
        with chain as (select unnest(members) as pr_key, generate_subscripts(members, 1) as position
                       from regression_chains where chain_id = $chain)
        select c.position, c.pr_key, p.number, p.repo, p.display_title, p.merged_at, p.has_report, r.one_liner
        from chain c join pull_requests p using (pr_key) left join pr_reports r using (pr_key)
        order by c.position""", {"chain": chain_id})


@cached
def chain_edges(version: str, chain_id: str) -> pd.DataFrame:
    return read(version, """
        with chain as (select unnest(members) as pr_key from regression_chains where chain_id = $chain)
        select from_key, to_key, relation, confidence, evidence, sources, status from pr_links
        where in_chains
          and from_key in (select pr_key from chain) and to_key in (select pr_key from chain)
        order by from_key, to_key""", {"chain": chain_id})


# ---- one PR --------------------------------------------------------------------------------------------

@cached
def find_prs(version: str, text: str, limit: int = 20) -> pd.DataFrame:
    """PRs for what a user typed: a key, a number (#123 or 123), or words of the title or one-liner."""
    text = text.strip()
    digits = text.lstrip("#")
    if digits.isdigit():
        return read(version, "select pr_key, repo, number, display_title, merged_at from pull_requests "
                             "where number = $n order by repo limit $limit", {"n": int(digits), "limit": limit})
    # display_title falls back to the one-liner, so this covers unnumbered reports too
    return read(version, """
        select pr_key, repo, number, display_title, merged_at from pull_requests
        where pr_key = $text
        union all
        (select pr_key, repo, number, display_title, merged_at from pull_requests
         where pr_key <> $text and contains(lower(display_title), lower($text))
         order by merged_at desc nulls last limit $limit)""", {"text": text, "limit": limit})


@cached
def pr(version: str, key: str) -> dict | None:
    frame = read(version, """
        select p.*, r.one_liner, r.recommendation, r.summary, r.motivation, r.implementation,
               r.implementation_steps, r.key_symbols, r.review_summary, r.risk_text, r.impact, r.source_uri,
               r.warnings, g.body as github_body, g.author as github_author
        from pull_requests p
        left join pr_reports r using (pr_key)
        left join pr_descriptions g using (pr_key)
        where p.pr_key = $key""", {"key": key})
    return None if frame.empty else frame.iloc[0].to_dict()


@cached
def pr_files(version: str, key: str) -> pd.DataFrame:
    return read(version, """
        select path, module, module_label, category, file_type, symbols, additions, deletions, change_status,
               sources, description
        from pr_files where pr_key = $key
        order by ('report' = any(sources)) desc, coalesce(additions, 0) + coalesce(deletions, 0) desc, path""",
                {"key": key})


@cached
def pr_snippets(version: str, key: str) -> pd.DataFrame:
    return read(version, "select path, language, description, code from pr_code_snippets where pr_key = $key "
                         "order by ordinal", {"key": key})


@cached
def pr_reviews(version: str, key: str) -> pd.DataFrame:
    return read(version, """
        select source, ordinal, reviewer, reviewer_is_bot, state, submitted_at, topic, category, people, body
        from pr_reviews where pr_key = $key order by source desc, ordinal""", {"key": key})


@cached
def pr_flags(version: str, key: str) -> pd.DataFrame:
    return read(version, "select flag, canonical_flag from pr_risk_flags where pr_key = $key order by ordinal",
                {"key": key})


@cached
def pr_neighbours(version: str, key: str) -> pd.DataFrame:
    """Links touching the PR: `direction` 'upstream' (an earlier PR it fixes, reverts or follows up) or
    'downstream' (a later PR that did so to it)."""
    return read(version, """
        select case when l.to_key = $key then 'upstream' else 'downstream' end as direction,
               case when l.to_key = $key then l.from_key else l.to_key end as other_key,
               l.relation, l.confidence, l.evidence, l.sources, l.status, l.in_chains, p.number, p.display_title,
               p.merged_at
        from pr_links l
        join pull_requests p on p.pr_key = case when l.to_key = $key then l.from_key else l.to_key end
        where $key in (l.from_key, l.to_key)
        order by direction desc, p.merged_at nulls last""", {"key": key})


@cached
def pr_chain(version: str, key: str) -> pd.DataFrame:
    return read(version, """
        select chain_id, members, member_numbers, member_titles, days_to_fix
        from regression_chains where list_contains(members, $key)""", {"key": key})


@cached
def pr_risk(version: str, key: str) -> dict | None:
    frame = read(version, """
        select score, band, top_factors, model_version, algorithm, trained_through, cutoff, reason, introduced_bug,
               label_due_at
        from pr_risk where pr_key = $key""", {"key": key})
    return None if frame.empty else frame.iloc[0].to_dict()


# ---- regression risk -----------------------------------------------------------------------------------

OPEN_SHOWN = 20
BANDS = ("high", "medium", "low", "unknown")


@cached
def open_prs_by_risk(version: str, repo: str | None, limit: int = OPEN_SHOWN) -> pd.DataFrame:
    """The PRs open on GitHub (in the repo, or every repo), the riskiest first: what to review first."""
    return read(version, """
        select p.pr_key, p.repo, p.number, p.display_title as title, p.created_at, p.author, r.score as risk_score,
               r.band as risk_band, r.top_factors
        from pull_requests p join pr_risk r using (pr_key)
        where p.state = 'open' and ($repo is null or p.repo = $repo)
        order by r.score desc nulls last, p.created_at, p.pr_key limit $limit""", {"repo": repo, "limit": limit})


@cached
def calibration(version: str, repo: str | None) -> pd.DataFrame:
    """Per band, over the PRs whose 90-day outcome is known: how many, the mean predicted score and the
    share that introduced a bug (high, medium, low, unknown)."""
    return read(version, """
        select band, count(*) as prs, avg(score) as predicted, avg(introduced_bug::int) as observed,
               count(*) filter (where introduced_bug) as bugs
        from pr_risk where introduced_bug is not null and ($repo is null or repo = $repo)
        group by band order by list_position($bands, band)""", {"repo": repo, "bands": list(BANDS)})


@cached
def risk_models(version: str) -> pd.DataFrame:
    """Per repo, the latest model version in force: what the newest scores come from."""
    return read(version, """
        select repo, arg_max(model_version, cutoff) as model_version, arg_max(algorithm, cutoff) as algorithm,
               max(cutoff) as cutoff, arg_max(trained_through, cutoff) as trained_through,
               arg_max(train_prs, cutoff) as train_prs, arg_max(train_bugs, cutoff) as train_bugs,
               arg_max(reason, cutoff) as reason, count(*) as versions_in_force
        from risk_model_versions where in_force group by repo order by repo""")


# ---- search --------------------------------------------------------------------------------------------

BM25_K1, BM25_B = 1.2, 0.75


@cached
def search(version: str, text: str, repo: str | None = None, start: date | None = None, end: date | None = None,
           limit: int = 20) -> pd.DataFrame:
    """Reports ranked by BM25 over the terms search_tokens cuts from `text`; reports holding more of the
    query's terms come first, then the score decides. Ranking reads only the index (narrowed to the PRs in
    scope when a repo or merge range is given); the text and titles are then fetched for the few hits
    (search.documents keeps its own copy of the text, ordered by doc_id, so that lookup scans no report)."""
    scoped = any(value is not None for value in (repo, start, end))
    in_scope = f"""
        docs_in_scope as (
            select d.doc_id from search_documents d join pr_reports r using (report_id)
            where r.pr_key in (select pr_key from pr_module_facts where module = '(all)' and {_FACTS_IN_SCOPE})
        ),""" if scoped else ""
    ranked = read(version, f"""
        with {in_scope}
        query_terms as (select distinct unnest(search_tokens($text)) as term),
        corpus as (select count(*) as n, avg(term_count) as avg_terms from search_documents),
        hits as (
            select p.term, p.doc_id, p.tf from search_postings p join query_terms using (term)
            {"where p.doc_id in (select doc_id from docs_in_scope)" if scoped else ""}
        ),
        df as (select term, count(*) as df from hits group by term),
        scored as (
            select h.doc_id, count(*) as terms_matched,
                   sum(ln(1 + (c.n - df.df + 0.5) / (df.df + 0.5))
                       * h.tf * ($k1 + 1) / (h.tf + $k1 * (1 - $b + $b * d.term_count / c.avg_terms))) as score
            from hits h join df using (term) join search_documents d using (doc_id) cross join corpus c
            group by h.doc_id
        )
        select doc_id, terms_matched, (select count(*) from query_terms) as query_terms, round(score, 3) as score
        from scored order by terms_matched desc, score desc, doc_id limit $limit""",
                  {"text": text, "k1": BM25_K1, "b": BM25_B, "limit": limit,
                   **(_scope_params(repo, start, end) if scoped else {})})
    if ranked.empty:
        return ranked
    ids = ranked["doc_id"].tolist()
    texts = read(version, "select doc_id, report_id, body_text from search_documents where doc_id = any($ids)",
                 {"ids": ids})
    reports = read(version, "select report_id, pr_key, number, repo, display_title, one_liner, merged_at "
                            "from pr_reports where report_id = any($ids)", {"ids": texts["report_id"].tolist()})
    return ranked.merge(texts, on="doc_id").merge(reports, on="report_id")


# ---- PR browser ----------------------------------------------------------------------------------------

BROWSE_SORTS = {"merged (newest first)": "p.merged_at desc nulls last, p.pr_key",
                "merged (oldest first)": "p.merged_at asc nulls last, p.pr_key",
                "number": "p.repo, p.number",
                "risk": "risk_score desc nulls last, risk_rank, p.merged_at desc nulls last, p.pr_key",
                "report risk level": "risk_rank, p.merged_at desc nulls last, p.pr_key",
                "flags": "len(flags) desc, p.merged_at desc nulls last, p.pr_key"}
RISK_LEVELS = ("high", "medium", "low", "unknown")
FIXES = {"regression": "fixed a regression", "revert": "reverted a PR"}  # the `fixes` filter's values

# pr_module_facts holds each PR once under '(all)' and once under each of its modules, with its flags:
# the module filter picks the rows, and no per-PR aggregation is needed.
_BROWSE = """
    with chained as (select distinct unnest(members) as pr_key from regression_chains),
    listed as (
        select p.pr_key, p.repo, p.number, p.display_title as title, p.merged_at, p.author, p.risk_level,
               p.has_report, c.pr_key is not null as in_chain, f.canonical_flags as flags,
               case p.risk_level when 'high' then 0 when 'medium' then 1 when 'low' then 2 else 3 end as risk_rank,
               r.score as risk_score, r.band as risk_band
        from pr_module_facts f
        join pull_requests p using (pr_key)
        left join chained c using (pr_key)
        left join (select pr_key, score, band from pr_risk) r using (pr_key)
        where f.module = coalesce($module, '(all)')
          and ($repo is null or f.repo = $repo)
          and ($start is null or f.merged_at >= $start)
          and ($end is null or f.merged_at < $end::date + interval 1 day)
          and ($flag is null or list_contains(f.canonical_flags, $flag))
          and ($risk is null or f.risk_level = $risk)
          and ($has_report is null or p.has_report = $has_report)
          and ($in_chain is null or (c.pr_key is not null) = $in_chain)
          and ($author is null or p.author ilike '%' || $author || '%')
          and ($fixes is null or ($fixes = 'regression' and f.fixed_regression)
               or ($fixes = 'revert' and f.reverted_another))
    )
"""


@dataclass(frozen=True)
class PrFilter:
    """What the PR list is narrowed to (None: any). Frozen, so the cached queries take it whole as their key."""
    repo: str | None = None
    start: date | None = None  # merged on or after
    end: date | None = None  # merged on or before
    module: str | None = None
    flag: str | None = None  # a canonical flag
    risk: str | None = None  # a report risk level, one of RISK_LEVELS
    has_report: bool | None = None
    in_chain: bool | None = None
    author: str | None = None  # part of the author's name, any case
    fixes: str | None = None  # a key of FIXES: only the PRs that fixed a regression or reverted a PR

    def params(self) -> dict:
        return {**asdict(self), "author": self.author or None}


@cached
def browse_count(version: str, where: PrFilter) -> int:
    return int(read(version, _BROWSE + "select count(*) as n from listed", where.params())["n"][0])


@cached
def browse_prs(version: str, where: PrFilter, sort: str, limit: int, offset: int = 0) -> pd.DataFrame:
    """One page of the PRs that pass the filter, sorted by one of BROWSE_SORTS."""
    return matching_prs(version, where, sort, limit, offset)


def matching_prs(version: str, where: PrFilter, sort: str, limit: int, offset: int = 0) -> pd.DataFrame:
    """browse_prs without the cache: for a download of every matching PR, too big to keep."""
    return read(version, _BROWSE + f"""
        select pr_key, repo, number, title, merged_at, author, risk_score, risk_band, risk_level, flags, has_report,
               in_chain
        from listed p order by {BROWSE_SORTS[sort]} limit $limit offset $offset""",
                {**where.params(), "limit": limit, "offset": offset})


@cached
def canonical_flags(version: str) -> list[str]:
    return read(version, "select canonical_flag from pr_risk_flags group by all order by count(*) desc, 1"
                )["canonical_flag"].tolist()


# ---- SQL page -----------------------------------------------------------------------------------------

@cached
def view_columns(version: str) -> pd.DataFrame:
    """Every column of the views the SQL page's schema browser lists, in table order."""
    return read(version, """
        select table_name as view, column_name as column, data_type as type from information_schema.columns
        where table_schema = 'main' order by table_name, ordinal_position""")


# ---- data health ---------------------------------------------------------------------------------------

HEALTH_VIEWS = ("pull_requests", "pr_reports", "pr_files", "pr_reviews", "pr_risk_flags", "pr_links",
                "regression_chains", "module_risk", "pr_risk", "quarantine")


@cached
def source_runs(version: str) -> pd.DataFrame:
    return read(version, "select source, finished_at, run_id, summary from source_runs order by finished_at")


@cached
def row_counts(version: str) -> pd.DataFrame:
    return read(version, " union all ".join(
        [*(f"select '{view}' as \"table\", count(*) as rows from {view}" for view in HEALTH_VIEWS),
         'select table_name as "table", rows from layer_row_counts']))


@cached
def check_results(version: str) -> pd.DataFrame:
    return read(version, "select passed, severity, asset, check_name, checked_at, metadata from check_results "
                         "order by passed, severity, asset, check_name")


@cached
def quarantine(version: str) -> pd.DataFrame:
    return read(version, "select reason, source_uri, detail, byte_size, quarantined_at from quarantine "
                         "order by quarantined_at desc, source_uri")


@cached
def github_warnings(version: str) -> pd.DataFrame:
    return read(version, "select pr_key, field, warning, loaded_at from github_warnings order by pr_key, field")


@cached
def fetch_misses(version: str) -> pd.DataFrame:
    return read(version, "select source, repo, pr_number, reason, status, detail, url, seen_at from fetch_misses "
                         "order by seen_at desc, url")


# Warnings every report without those sections carries; the page lists the ones that say something went wrong.
ROUTINE_WARNINGS = ("missing section:", "no PR number:", "no repository")


@cached
def parse_warnings(version: str) -> pd.DataFrame:
    return read(version, "select report_id, warning, source_uri from (select report_id, source_uri, "
                         "unnest(warnings) as warning from pr_reports) where not list_has_any([true], "
                         "[starts_with(warning, p) for p in $routine]) order by report_id, warning",
                {"routine": list(ROUTINE_WARNINGS)})
