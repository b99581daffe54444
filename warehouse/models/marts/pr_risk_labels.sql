-- What the regression-risk model learns, per PR with a merge time: whether it introduced a bug, i.e. a later PR
-- reverted it or was named, by a claimed or confirmed link (pr_links' in_chains), as fixing a regression it
-- introduced, within 90 days of its merge. found_at is when that was first known (the merge of the first such
-- PR), whatever the horizon: the features count earlier PRs found bad by then. A label counts only once its 90
-- days have passed in the repo's data (label_due_at <= the repo's latest merge); until then it is null, not 0.
-- Labels follow the link reader: they are read from marts.pr_links, never from text.
with bad_links as (
    select l.from_key as pr_key, l.relation, t.merged_at as found_at
    from marts.pr_links l
    join marts.pull_requests t on t.pr_key = l.to_key
    where l.in_chains and l.relation in ('regression', 'revert') and t.merged_at is not null
),

first_found as (
    select pr_key, min(found_at) as found_at, arg_min(relation, found_at) as found_by
    from bad_links
    group by pr_key
),

repo_clock as (  -- how far each repo's data reaches
    select repo, max(merged_at) as data_through from marts.pull_requests group by repo
),

merged as (
    select p.pr_key, p.repo, p.merged_at, p.merged_at + interval 90 day as label_due_at, c.data_through
    from marts.pull_requests p
    join repo_clock c using (repo)
    where p.merged_at is not null
)

select
    m.pr_key, m.repo, m.merged_at, m.label_due_at,
    f.found_at, f.found_by,
    m.label_due_at <= m.data_through as matured,
    case when m.label_due_at <= m.data_through then coalesce(f.found_at <= m.label_due_at, false) end
        as introduced_bug
from merged m
left join first_found f using (pr_key)
