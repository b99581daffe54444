-- Merged PRs per repo, module, ISO week and canonical flag (long form, for charts); module '(all)' holds
-- the repo's totals. Only non-zero counts: join weekly_trends for the zero-filled calendar.
with merged_flags as (
    select pr.pr_key, pr.repo, date_trunc('week', pr.merged_at)::date as week, f.canonical_flag
    from marts.pull_requests pr
    join intermediate.risk_flags f using (pr_key)
    where pr.merged_at is not null
)

select m.repo, pm.module, m.week, m.canonical_flag, count(distinct m.pr_key) as prs
from merged_flags m join intermediate.pr_modules pm using (pr_key)
group by all
union all
select repo, '(all)', week, canonical_flag, count(distinct pr_key)
from merged_flags
group by all
