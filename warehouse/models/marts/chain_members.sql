-- Membership and order of regression chains. A chain is a connected family of regression, revert and
-- follow_up links; its members are ordered oldest first: by depth along the links (the introducing PR
-- has depth 0), then merge time. Recursion is bounded, so cycles and self-references in bad data
-- cannot make it run forever.
with recursive chain_links as (
    select distinct from_key, to_key from marts.pr_links
    where in_chains and from_key <> to_key
),

nodes as (
    select from_key as node from chain_links union select to_key from chain_links
),

undirected as (
    select from_key as a, to_key as b from chain_links
    union
    select to_key, from_key from chain_links
),

reach(node, root) as (
    select node, node from nodes
    union
    select u.b, r.root from reach r join undirected u on u.a = r.node
),

components as (
    select node, min(root) as component from reach group by node
),

depths(node, depth) as (
    select node, 0 from nodes where node not in (select to_key from chain_links)
    union
    select l.to_key, d.depth + 1 from depths d join chain_links l on l.from_key = d.node where d.depth < 64
),

placed as (
    select c.component, c.node, coalesce(max(d.depth), 0) as depth
    from components c left join depths d using (node)
    group by c.component, c.node
)

select
    p.component, p.node as pr_key, p.depth, pr.repo, pr.number, pr.display_title, pr.merged_at,
    row_number() over (partition by p.component order by p.depth, pr.merged_at nulls last, p.node) as position
from placed p
left join marts.pull_requests pr on pr.pr_key = p.node
