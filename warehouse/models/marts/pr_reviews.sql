-- Review material per PR, its origin in `source`: the highlights of a report's 评论区精华 ('report'), and
-- the reviews submitted on GitHub ('github').
select
    r.pr_key, r.repo, r.pr_number as number, 'report' as source, h.ordinal,
    null::varchar as reviewer, h.people, null::varchar as state, null::timestamp as submitted_at,
    h.topic, h.category, h.text as body, null::boolean as reviewer_is_bot
from staging.report_review_highlights h
join intermediate.reports r using (document_id)

union all

select
    pr_key(g.repo, g.number) as pr_key, g.repo, g.number, 'github' as source,
    row_number() over (partition by g.repo, g.number order by g.submitted_at nulls last, g.review_id)::integer,
    g.reviewer, case when g.reviewer is not null then [g.reviewer] else [] end, g.state, g.submitted_at,
    null, null, g.body, g.reviewer_is_bot
from staging.github_reviews g
