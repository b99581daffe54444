-- Risk per repo and module: how many PRs touched it, how many carried flags (by canonical flag), how many
-- introduced a regression or were reverted, and how many fixed one; and, beside what was observed, what the
-- regression-risk model predicted: the mean score of its PRs (risk.pr_scores) against the share of its PRs
-- with a known 90-day outcome that introduced a bug (marts.pr_risk_labels). Sums over pr_module_facts.
-- check unique: repo, module
with facts as (
    select f.*, s.score, l.introduced_bug
    from marts.pr_module_facts f
    left join risk.pr_scores s using (pr_key)
    left join marts.pr_risk_labels l using (pr_key)
    where f.module <> '(all)'
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
        as share_later_fixed_or_reverted,
    round(avg(f.score), 4) as predicted_bug_rate,
    count(f.introduced_bug) as prs_with_outcome,
    round(avg(f.introduced_bug::int), 4) as observed_bug_rate
from facts f
left join flag_counts c on c.repo is not distinct from f.repo and c.module = f.module
group by f.repo, f.module
