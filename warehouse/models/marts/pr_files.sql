-- Files each PR changed, with their canonical module (and the report's own label for it).
select
    pr_key, repo, pr_number as number, report_id, path, module, module_label, category, file_type,
    symbols, description, status, importance,
    null::integer as additions, null::integer as deletions, ['report'] as sources
from staging.report_files
