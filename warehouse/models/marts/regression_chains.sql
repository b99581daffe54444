-- One row per regression chain: members oldest first, times, days from the introducing PR to its first
-- fix, and the modules the chain touched.
with members as (
    select * from marts.chain_members
),

heads as (
    select component, pr_key as head_key, merged_at as head_merged_at, repo from members where position = 1
),

first_fix as (
    -- the earliest PR that fixes, reverts or follows up the head directly
    select h.component, min(m.merged_at) as fixed_at
    from heads h
    join marts.pr_links l on l.from_key = h.head_key and l.in_chains
    join members m on m.component = h.component and m.pr_key = l.to_key
    group by h.component
),

chain_links as (
    select m.component, count(*) as links, list(distinct l.relation order by l.relation) as relations
    from marts.pr_links l
    join members m on m.pr_key = l.from_key
    join members t on t.pr_key = l.to_key and t.component = m.component
    where l.in_chains
    group by m.component
),

touched as (
    select m.component, list(distinct pm.module order by pm.module) as modules
    from members m
    join intermediate.pr_modules pm using (pr_key)
    where pm.module <> 'unknown'
    group by m.component
)

select
    h.head_key as chain_id,
    h.repo,
    list(m.pr_key order by m.position) as members,
    list(m.number order by m.position) as member_numbers,
    list(coalesce(m.display_title, m.pr_key) order by m.position) as member_titles,
    count(*) as length,
    cl.links,
    cl.relations,
    list(distinct m.repo order by m.repo) as repos,
    min(m.merged_at) as first_merged_at,
    max(m.merged_at) as last_merged_at,
    round(date_diff('second', h.head_merged_at, f.fixed_at) / 86400.0, 2) as days_to_fix,
    coalesce(t.modules, []) as modules
from members m
join heads h using (component)
left join first_fix f using (component)
left join chain_links cl using (component)
left join touched t using (component)
group by h.head_key, h.repo, h.head_merged_at, f.fixed_at, cl.links, cl.relations, t.modules
