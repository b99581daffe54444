-- Key files of the latest report of each PR, with the canonical module of their path.
select
    r.pr_key, r.repo, r.pr_number, r.report_id,
    f.ordinal, f.path, m.module, f.module_label, f.category, f.file_type, f.symbols, f.description,
    f.status, f.importance
from staging.report_key_files f
join intermediate.reports r using (document_id)
left join intermediate.file_modules m on m.repo is not distinct from f.repo and m.path = f.path
