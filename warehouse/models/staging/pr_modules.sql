-- The modules each PR touches; a PR with no known files belongs to module 'unknown'.
with touched as (
    select distinct pr_key, module from staging.report_files
)
select r.pr_key, r.repo, coalesce(t.module, 'unknown') as module
from staging.reports r
left join touched t using (pr_key)
