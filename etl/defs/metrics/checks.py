"""Checks on what dashboard and SQL users rely on. Each check is a query that returns the offending rows:
it passes when there are none, and shows the first of them when it fails."""

from typing import NamedTuple

import dagster as dg

from etl.models import Model


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

# Checks a query must say; the one-line ones (a key is unique, a column's values are in another table) are
# declared in the model files themselves (`-- check unique: ...`, see etl/models.py).
_CHECKS = [
    ("marts/regression_chains", "regression_chains_are_acyclic",
     "No PR reaches itself through regression, revert or follow_up links.", CYCLE_SQL),
    ("marts/regression_chains", "each_pr_in_at_most_one_chain", "Chains do not share members.",
     "select pr_key, count(*) as chains from (select unnest(members) as pr_key from marts.regression_chains) "
     "group by pr_key having count(*) > 1"),
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


def checks_of(models: list[Model]) -> list[CheckSpec]:
    """The checks the models' files declare, then those a query must say."""
    declared = [CheckSpec(f"{c.model.layer}/{c.model.name}", c.name, c.description, c.sql)
                for model in models for c in model.checks]
    return [*declared, *(CheckSpec(*spec) for spec in _CHECKS), COVERAGE]


def run_check(con, check: CheckSpec) -> dg.AssetCheckResult:
    offending = con.execute(check.sql).df()
    sample = offending.head(20).to_markdown(index=False) if len(offending) else "(none)"
    return dg.AssetCheckResult(asset_key=dg.AssetKey(check.asset.split("/")), check_name=check.name,
                               passed=offending.empty, severity=check.severity,
                               metadata={"offending_rows": len(offending), "sample": dg.MetadataValue.md(sample)})
