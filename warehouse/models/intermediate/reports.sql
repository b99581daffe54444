-- The latest version of each report, with pr_key: 'owner/repo#N' for a numbered report or one matched to
-- its PR (intermediate.report_matches), else the report_id of the unnumbered report. The document's text
-- stays in staging (pr_reports joins it): copying it here was a tenth of every rebuild.
with matched as (
    select report_id, candidate_number as number from intermediate.report_matches where matched
)

select
    case when r.pr_number is not null then pr_key(r.repo, r.pr_number)
         when m.number is not null then pr_key(r.repo, m.number)
         else r.report_id end as pr_key,
    r.* exclude (body_text) replace (coalesce(r.pr_number, m.number) as pr_number),
    case when r.pr_number is not null then 'report' when m.number is not null then 'matched' end as pr_number_source
from staging.reports r
left join matched m using (report_id)
