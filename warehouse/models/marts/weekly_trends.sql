-- Weekly activity per repo and module (ISO weeks, starting Monday), with rows for weeks without activity
-- so that charts show gaps as zeros. module '(all)' holds the repo's totals (a PR touching two modules
-- counts once there). Weeks run from each repo's first to its last merge. Sums over pr_module_facts.
-- check unique: repo, module, week
with pr_module as (  -- each merged PR under each of its modules, and once under '(all)'
    select *, date_trunc('week', merged_at)::date as week
    from marts.pr_module_facts where merged_at is not null
),

weeks as (
    select repo, unnest(generate_series(min(week), max(week), interval 1 week))::date as week
    from pr_module where module = '(all)' group by repo
),

modules as (
    select distinct repo, module from pr_module
),

grid as (
    select w.repo, m.module, w.week from weeks w join modules m using (repo)
),

activity as (  -- (pr_key, module) is unique: a row is a PR
    select
        repo, module, week,
        count(*) as prs_merged,
        count(*) filter (where has_report) as prs_with_reports,
        count(*) filter (where risk_level = 'low') as low_risk_prs,
        count(*) filter (where risk_level = 'medium') as medium_risk_prs,
        count(*) filter (where risk_level = 'high') as high_risk_prs,
        count(*) filter (where risk_level = 'unknown') as unknown_risk_prs,
        count(*) filter (where len(canonical_flags) > 0) as flagged_prs,
        count(*) filter (where fixed_regression) as regression_fixes,
        count(*) filter (where reverted_another) as reverts,
        median(days_to_fix) as median_days_to_fix
    from pr_module
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
