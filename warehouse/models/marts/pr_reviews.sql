-- Review material per PR. From reports: the highlights of 评论区精华 (source 'report').
select
    r.pr_key, r.repo, r.pr_number as number, 'report' as source, h.ordinal,
    null::varchar as reviewer, h.people, null::varchar as state, null::timestamp as submitted_at,
    h.topic, h.category, h.text as body
from core.report_review_highlights h
join staging.reports r using (document_id)
