-- Links between PRs read from report references, directed from the earlier PR to the later one, one row
-- per (from, to) pair. A pair's relation is the strongest any mention gives it (revert, then follow_up,
-- then regression, then reference); its evidence is that mention's sentence; its confidence comes from
-- where the mention stands (a title or 关联脉络 entry is more deliberate than a passing remark).
with mentions as (
    select
        r.pr_key as report_key, r.repo, r.pr_number, r.report_id,
        x.ref_repo || '#' || x.ref_number as ref_key, x.ref_repo, x.ref_number,
        x.relation, x.referenced_is, x.section, x.sentence
    from core.report_references x
    join staging.reports r using (document_id)
    where x.ref_kind = 'pr'
),

directed as (
    select
        case when referenced_is = 'earlier' then ref_key else report_key end as from_key,
        case when referenced_is = 'earlier' then ref_repo else repo end as from_repo,
        case when referenced_is = 'earlier' then ref_number else pr_number end as from_number,
        case when referenced_is = 'earlier' or pr_number is not null then null else report_id end as from_report_id,
        case when referenced_is = 'earlier' then report_key else ref_key end as to_key,
        case when referenced_is = 'earlier' then repo else ref_repo end as to_repo,
        case when referenced_is = 'earlier' then pr_number else ref_number end as to_number,
        case when referenced_is = 'later' or pr_number is not null then null else report_id end as to_report_id,
        relation, section, sentence,
        case relation when 'revert' then 1 when 'follow_up' then 2 when 'regression' then 3 else 4 end as strength,
        case section when 'title' then 0.95 when 'related' then 0.9 when 'motivation' then 0.85
                     when 'summary' then 0.8 when 'code' then 0.5 when 'key_files' then 0.6 else 0.7 end as weight
    from mentions
),

ranked as (
    select *, row_number() over (partition by from_key, to_key order by strength, weight desc, sentence) as pick
    from directed
    where from_key <> to_key  -- a report citing its own PR is not a link
)

select
    from_key, from_repo, from_number, from_report_id,
    to_key, to_repo, to_number, to_report_id,
    relation, sentence as evidence, 'report' as source,
    round(case when relation = 'reference' then weight / 2 else weight end, 2) as confidence,
    (select count(*) from directed d where d.from_key = ranked.from_key and d.to_key = ranked.to_key) as mentions
from ranked
where pick = 1
