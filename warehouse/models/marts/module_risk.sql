-- Risk per repo and module: how many PRs touched it, how many carried flags (by canonical flag), how many
-- introduced a regression or were reverted, and how many fixed one.
with prs as (
    select pm.repo, pm.module, pm.pr_key, pr.risk_level
    from intermediate.pr_modules pm
    join marts.pull_requests pr using (pr_key)
),

flagged as (
    select distinct pr_key, canonical_flag from intermediate.risk_flags
),

flag_counts as (
    select p.repo, p.module, f.canonical_flag, count(distinct p.pr_key) as prs
    from prs p join flagged f using (pr_key)
    group by all
),

later_fixed as (  -- PRs a later PR fixed (regression) or reverted
    select distinct from_key as pr_key, relation from marts.pr_links where in_chains and relation in ('regression', 'revert')
),

fixes as (
    select distinct to_key as pr_key from marts.pr_links where in_chains and relation = 'regression'
)

select
    p.repo,
    p.module,
    count(distinct p.pr_key) as prs,
    count(distinct p.pr_key) filter (where p.pr_key in (select pr_key from flagged)) as flagged_prs,
    count(distinct p.pr_key) filter (where p.risk_level = 'high') as high_risk_prs,
    count(distinct p.pr_key) filter (where p.risk_level = 'medium') as medium_risk_prs,
    count(distinct p.pr_key) filter (where p.risk_level = 'low') as low_risk_prs,
    coalesce((select map(list(c.canonical_flag order by c.canonical_flag), list(c.prs order by c.canonical_flag))
              from flag_counts c where c.repo is not distinct from p.repo and c.module = p.module),
             map()) as flag_counts,
    count(distinct p.pr_key) filter (where p.pr_key in (select pr_key from later_fixed where relation = 'regression'))
        as regressions_introduced,
    count(distinct p.pr_key) filter (where p.pr_key in (select pr_key from later_fixed where relation = 'revert'))
        as reverted_prs,
    count(distinct p.pr_key) filter (where p.pr_key in (select pr_key from fixes)) as regressions_fixed,
    round(count(distinct p.pr_key) filter (where p.pr_key in (select pr_key from later_fixed))
          / count(distinct p.pr_key), 4) as share_later_fixed_or_reverted
from prs p
group by p.repo, p.module
