-- One link per (earlier, later) pair of PRs, from every source that speaks of it. The relation is the
-- strongest any text claims (revert, then regression, then follow_up; reference when none says more), or
-- line history's when it is the only one; status says how line history stands to the claim.
-- check unique: from_key, to_key
-- check relationships: from_key -> marts.pull_requests.pr_key
-- check relationships: to_key -> marts.pull_requests.pr_key
with claims as (
    select *, case relation when 'revert' then 1 when 'regression' then 2 when 'follow_up' then 3 else 4 end as strength,
           -- the strongest claim first; ties broken by every field, so each backend picks the same one
           printf('%d %04.2f %s %s %s', strength, 1 - confidence, source, cue, evidence) as rank_key
    from intermediate.link_claims
),

text_pairs as (
    select from_key, to_key,
           arg_min(relation, rank_key) as relation,
           arg_min(source, rank_key) as source,
           arg_min(cue, rank_key) as cue,
           arg_min(evidence, rank_key) as evidence,
           max(detail) as detail,
           count(*) as mentions
    from claims where source <> 'szz'
    group by from_key, to_key
),

pairs as (
    select
        any_value(from_repo) as from_repo, any_value(from_number) as from_number,
        any_value(from_report_id) as from_report_id, from_key,
        any_value(to_repo) as to_repo, any_value(to_number) as to_number,
        any_value(to_report_id) as to_report_id, to_key,
        list(distinct source order by source) as sources,
        list({'source': source, 'relation': relation, 'cue': cue, 'evidence': evidence, 'document': document,
              'confidence': confidence} order by rank_key) as claims,
        bool_or(source = 'szz') as blamed
    from claims
    group by from_key, to_key
)

select
    p.from_repo, p.from_number, p.from_report_id, p.from_key,
    p.to_repo, p.to_number, p.to_report_id, p.to_key,
    coalesce(t.relation, 'regression') as relation,
    coalesce(t.evidence, p.claims[1].evidence) as evidence,
    coalesce(t.source, 'szz') as source,
    p.sources,
    coalesce(t.cue, 'blame') as cue,
    t.detail,
    p.claims,
    -- line history confirms a claim, or suspects a link of its own; it never vetoes what a text says
    case when t.relation is null then 'suspected'
         when t.relation in ('regression', 'revert') and p.blamed then 'confirmed'
         else 'claimed' end as status,
    round(least(0.99, 1 - product(1 - c.confidence)), 2) as confidence,
    coalesce(t.mentions, 0) as mentions,
    coalesce(f.has_report, false) as from_has_report,
    coalesce(o.has_report, false) as to_has_report,
    coalesce(t.relation in ('regression', 'revert', 'follow_up'), false) as in_chains
from pairs p
left join text_pairs t using (from_key, to_key)
left join claims c on c.from_key = p.from_key and c.to_key = p.to_key
                  and c.relation = coalesce(t.relation, 'regression')
left join marts.pull_requests f on f.pr_key = p.from_key
left join marts.pull_requests o on o.pr_key = p.to_key
group by all
