-- The code snippets of each PR's latest report, keyed like every other per-PR table.
select r.pr_key, r.repo, r.pr_number as number, r.report_id, s.ordinal, s.path, s.language, s.description, s.code
from staging.report_code_snippets s
join intermediate.reports r using (document_id)
