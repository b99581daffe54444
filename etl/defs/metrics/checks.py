"""Checks on what dashboard and SQL users rely on. Each check is a query that returns the offending rows:
it passes when there are none, and shows the first of them when it fails."""

from typing import NamedTuple

import dagster as dg


class CheckSpec(NamedTuple):
    asset: str
    name: str
    description: str
    sql: str
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR

CYCLE_SQL = """
with recursive chain_links as (
    select distinct from_key, to_key from marts.pr_links where in_chains
),
walk(start, node, steps) as (
    select from_key, to_key, 1 from chain_links
    union
    select w.start, l.to_key, w.steps + 1 from walk w join chain_links l on l.from_key = w.node where w.steps < 64
)
select distinct start as pr_key from walk where node = start
"""

_CHECKS = [
    ("marts/pull_requests", "pull_requests_key_is_unique", "One row per pr_key.",
     "select pr_key, count(*) as n from marts.pull_requests group by pr_key having count(*) > 1"),
    ("marts/pr_links", "pr_links_pair_is_unique", "One link per (from, to) pair.",
     "select from_key, to_key, count(*) as n from marts.pr_links group by all having count(*) > 1"),
    ("marts/pr_links", "pr_links_endpoints_exist",
     "Every link end is a PR in pull_requests (with a report, or recorded as known only by reference).",
     """select from_key, to_key from marts.pr_links l
        where not exists (select 1 from marts.pull_requests p where p.pr_key = l.from_key)
           or not exists (select 1 from marts.pull_requests p where p.pr_key = l.to_key)"""),
    ("marts/pr_files", "pr_files_have_their_pr", "No file row without its PR.",
     "select pr_key, path from marts.pr_files f where pr_key not in (select pr_key from marts.pull_requests)"),
    ("marts/pr_risk_flags", "pr_risk_flags_have_their_pr", "No flag row without its PR.",
     "select pr_key, flag from marts.pr_risk_flags where pr_key not in (select pr_key from marts.pull_requests)"),
    ("marts/regression_chains", "regression_chains_are_acyclic",
     "No PR reaches itself through regression, revert or follow_up links.", CYCLE_SQL),
    ("marts/regression_chains", "each_pr_in_at_most_one_chain", "Chains do not share members.",
     "select pr_key, count(*) as chains from (select unnest(members) as pr_key from marts.regression_chains) "
     "group by pr_key having count(*) > 1"),
    ("marts/module_risk", "module_risk_key_is_unique", "One row per (repo, module).",
     "select repo, module, count(*) as n from marts.module_risk group by all having count(*) > 1"),
    ("marts/pr_module_facts", "pr_module_facts_key_is_unique", "One row per (pr_key, module).",
     "select pr_key, module, count(*) as n from marts.pr_module_facts group by all having count(*) > 1"),
    ("marts/weekly_trends", "weekly_trends_key_is_unique", "One row per (repo, module, week).",
     "select repo, module, week, count(*) as n from marts.weekly_trends group by all having count(*) > 1"),
    ("marts/weekly_trends", "weekly_totals_match_merged_prs",
     "Per repo, the '(all)' weekly counts add up to the number of merged PRs.",
     """with weekly as (select repo, sum(prs_merged) as weekly from marts.weekly_trends where module = '(all)'
                        group by repo),
             merged as (select repo, count(*) as merged from marts.pull_requests where merged_at is not null
                        group by repo)
        select * from merged full join weekly using (repo) where weekly is distinct from merged"""),
]

# Not an error: a flag the taxonomy does not cover yet. Listed so the mapping can grow.
COVERAGE = CheckSpec("marts/pr_risk_flags", "risk_flags_are_mapped",
                     "Lists risk flags no keyword in warehouse/config/risk_taxonomy.csv covers (canonical 'other').",
                     "select flag, count(*) as prs from marts.pr_risk_flags where canonical_flag = 'other' "
                     "group by flag order by prs desc, flag", dg.AssetCheckSeverity.WARN)
CHECKS = [*(CheckSpec(*spec) for spec in _CHECKS), COVERAGE]


def run_check(con, check: CheckSpec) -> dg.AssetCheckResult:
    offending = con.execute(check.sql).df()
    sample = offending.head(20).to_markdown(index=False) if len(offending) else "(none)"
    return dg.AssetCheckResult(asset_key=dg.AssetKey(check.asset.split("/")), check_name=check.name,
                               passed=offending.empty, severity=check.severity,
                               metadata={"offending_rows": len(offending), "sample": dg.MetadataValue.md(sample)})
