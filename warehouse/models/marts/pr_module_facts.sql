-- One row per PR and canonical module it touched, plus one per PR under '(all)': what the dashboards count
-- per module over any merge range, so that a range is a filter and a sum, not a join over every file.
-- A PR was later fixed (regression) or reverted when a chain link points from it; it fixed a regression
-- (or reverted another PR) when a chain link of that kind points to it, and days_to_fix is then the median
-- over the PRs it fixed. (pr_key, module) is unique, so counting rows counts PRs: no distinct counts, which
-- DuckDB must hold in memory whole.
-- check unique: pr_key, module
with chain_links as (
    select from_key, to_key, relation from marts.pr_links
    where in_chains and relation in ('regression', 'revert')
),

reverting as (
    select distinct to_key as pr_key from chain_links where relation = 'revert'
),

later as (
    select from_key as pr_key, bool_or(relation = 'regression') as introduced_regression,
           bool_or(relation = 'revert') as reverted
    from chain_links group by from_key
),

fixes as (
    select l.to_key as pr_key, median(date_diff('second', f.merged_at, t.merged_at) / 86400.0) as days_to_fix
    from chain_links l
    join marts.pull_requests f on f.pr_key = l.from_key
    join marts.pull_requests t on t.pr_key = l.to_key
    where l.relation = 'regression'
    group by l.to_key
),

flags as (
    select pr_key, list(distinct canonical_flag order by canonical_flag) as canonical_flags
    from marts.pr_risk_flags group by pr_key
),

pr_module as (
    select pr_key, repo, module from intermediate.pr_modules
    union all
    select pr_key, repo, '(all)' from marts.pull_requests
)

select
    m.pr_key, m.repo, m.module, p.merged_at, p.risk_level, p.has_report,
    coalesce(f.canonical_flags, []) as canonical_flags,
    coalesce(l.introduced_regression, false) as introduced_regression,
    coalesce(l.reverted, false) as reverted,
    x.pr_key is not null as fixed_regression,
    x.days_to_fix,
    r.pr_key is not null as reverted_another
from pr_module m
join marts.pull_requests p using (pr_key)
left join flags f using (pr_key)
left join later l using (pr_key)
left join fixes x using (pr_key)
left join reverting r using (pr_key)
