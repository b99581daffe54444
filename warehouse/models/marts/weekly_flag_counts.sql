-- Merged PRs per repo, module, ISO week and canonical flag (long form, for charts); module '(all)' holds
-- the repo's totals. Only non-zero counts: join weekly_trends for the zero-filled calendar. A PR's flags
-- are distinct in pr_module_facts, so a row is a PR.
select repo, module, week, canonical_flag, count(*) as prs
from (
    select repo, module, date_trunc('week', merged_at)::date as week, unnest(canonical_flags) as canonical_flag
    from marts.pr_module_facts
    where merged_at is not null and len(canonical_flags) > 0
)
group by all
