-- Risk flags per PR, as written and as a canonical slug, with the report's risk level.
-- check relationships: pr_key -> marts.pull_requests.pr_key
select f.pr_key, f.repo, f.pr_number as number, f.report_id, f.ordinal, f.flag, f.canonical_flag, r.risk_level
from intermediate.risk_flags f
join intermediate.reports r using (pr_key)
