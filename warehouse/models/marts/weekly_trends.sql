-- Weekly activity per repo and module (ISO weeks, starting Monday), with rows for weeks without activity
-- so that charts show gaps as zeros. module '(all)' holds the repo's totals (a PR touching two modules
-- counts once there). Weeks run from each repo's first to its last merge.
with merged as (
    select pr.pr_key, pr.repo, date_trunc('week', pr.merged_at)::date as week, pr.merged_at, pr.risk_level,
           pr.has_report
    from marts.pull_requests pr
    where pr.merged_at is not null
),

pr_module as (  -- each merged PR under each of its modules, and once under '(all)'
    select m.*, pm.module from merged m join intermediate.pr_modules pm using (pr_key)
    union all
    select m.*, '(all)' from merged m
),

weeks as (
    select repo, unnest(generate_series(min(week), max(week), interval 1 week))::date as week
    from merged group by repo
),

modules as (
    select distinct repo, module from pr_module
),

grid as (
    select w.repo, m.module, w.week from weeks w join modules m using (repo)
),

fixes as (  -- PRs that fixed a regression or reverted another, with days since the PR they fixed
    select l.to_key as pr_key, l.relation,
           date_diff('second', f.merged_at, t.merged_at) / 86400.0 as days_to_fix
    from marts.pr_links l
    join marts.pull_requests f on f.pr_key = l.from_key
    join marts.pull_requests t on t.pr_key = l.to_key
    where l.in_chains and l.relation in ('regression', 'revert')
),

activity as (
    select
        p.repo, p.module, p.week,
        count(distinct p.pr_key) as prs_merged,
        count(distinct p.pr_key) filter (where p.has_report) as prs_with_reports,
        count(distinct p.pr_key) filter (where p.risk_level = 'low') as low_risk_prs,
        count(distinct p.pr_key) filter (where p.risk_level = 'medium') as medium_risk_prs,
        count(distinct p.pr_key) filter (where p.risk_level = 'high') as high_risk_prs,
        count(distinct p.pr_key) filter (where p.risk_level = 'unknown') as unknown_risk_prs,
        count(distinct p.pr_key) filter (where p.pr_key in (select pr_key from intermediate.risk_flags)) as flagged_prs,
        count(distinct p.pr_key) filter (where p.pr_key in (select pr_key from fixes where relation = 'regression'))
            as regression_fixes,
        count(distinct p.pr_key) filter (where p.pr_key in (select pr_key from fixes where relation = 'revert'))
            as reverts,
        median(f.days_to_fix) filter (where f.relation = 'regression') as median_days_to_fix
    from pr_module p
    left join fixes f using (pr_key)
    group by all
)

select
    g.repo, g.module, g.week, isoyear(g.week) as iso_year, weekofyear(g.week) as iso_week,
    coalesce(a.prs_merged, 0) as prs_merged,
    coalesce(a.prs_with_reports, 0) as prs_with_reports,
    coalesce(a.low_risk_prs, 0) as low_risk_prs,
    coalesce(a.medium_risk_prs, 0) as medium_risk_prs,
    coalesce(a.high_risk_prs, 0) as high_risk_prs,
    coalesce(a.unknown_risk_prs, 0) as unknown_risk_prs,
    coalesce(a.flagged_prs, 0) as flagged_prs,
    coalesce(a.regression_fixes, 0) as regression_fixes,
    coalesce(a.reverts, 0) as reverts,
    round(a.median_days_to_fix, 2) as median_days_to_fix
from grid g
left join activity a using (repo, module, week)
