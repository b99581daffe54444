-- Risk per repo and module: how many PRs touched it, how many carried flags (by canonical flag), how many
-- introduced a regression or were reverted, and how many fixed one. Sums over pr_module_facts.
with facts as (
    select * from marts.pr_module_facts where module <> '(all)'
),

flag_counts as (
    select repo, module, map(list(canonical_flag order by canonical_flag), list(prs order by canonical_flag))
               as flag_counts
    from (select repo, module, canonical_flag, count(*) as prs
          from (select repo, module, unnest(canonical_flags) as canonical_flag from facts)
          group by all)
    group by repo, module
)

select
    f.repo,
    f.module,
    count(*) as prs,
    count(*) filter (where len(f.canonical_flags) > 0) as flagged_prs,
    count(*) filter (where f.risk_level = 'high') as high_risk_prs,
    count(*) filter (where f.risk_level = 'medium') as medium_risk_prs,
    count(*) filter (where f.risk_level = 'low') as low_risk_prs,
    coalesce(any_value(c.flag_counts), map()) as flag_counts,
    count(*) filter (where f.introduced_regression) as regressions_introduced,
    count(*) filter (where f.reverted) as reverted_prs,
    count(*) filter (where f.fixed_regression) as regressions_fixed,
    round(count(*) filter (where f.introduced_regression or f.reverted) / count(*), 4)
        as share_later_fixed_or_reverted
from facts f
left join flag_counts c on c.repo is not distinct from f.repo and c.module = f.module
group by f.repo, f.module
