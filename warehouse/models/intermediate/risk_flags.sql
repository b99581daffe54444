-- Every risk flag of the latest reports, mapped to a canonical flag by warehouse/config/risk_taxonomy.csv
-- (first matching row wins); flags no keyword covers get 'other'. Each distinct text is matched once.
with flags as (
    select r.pr_key, r.repo, r.pr_number, r.report_id, f.ordinal, f.flag
    from staging.report_risk_flags f
    join intermediate.reports r using (document_id)
),

distinct_flags as (
    select distinct flag from flags
),

matches as (
    select d.flag, t.slug,
           row_number() over (partition by d.flag order by t.priority, length(t.keyword) desc) as match_rank
    from distinct_flags d
    join config.risk_taxonomy t on regexp_matches(lower(d.flag), t.pattern)
)

select f.pr_key, f.repo, f.pr_number, f.report_id, f.ordinal, f.flag,
       coalesce(m.slug, 'other') as canonical_flag
from flags f
left join matches m on m.flag = f.flag and m.match_rank = 1
