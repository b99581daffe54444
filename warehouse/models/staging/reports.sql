-- The latest version of each report, with pr_key: 'owner/repo#N', or the report_id of an unnumbered one.
select
    case when pr_number is not null then repo || '#' || pr_number else report_id end as pr_key,
    *
from core.reports
