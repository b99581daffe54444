-- Files each PR changed: the report's key files (module label, category, type, symbols) merged on path
-- with what GitHub or git recorded (status and line counts), with the canonical module of every path.
-- check relationships: pr_key -> marts.pull_requests.pr_key
with report_side as (
    select pr_key, repo, pr_number as number, report_id, path, module_label, category, file_type, symbols,
           description, status, importance
    from intermediate.report_files
),

change_side as (
    select pr_key, repo, number, path, status as change_status, additions, deletions, previous_path, sources
    from intermediate.pr_changed_files
    where pr_key in (select pr_key from marts.pull_requests)
)

select
    coalesce(r.pr_key, c.pr_key) as pr_key, coalesce(r.repo, c.repo) as repo,
    coalesce(r.number, c.number) as number,
    any_value(r.report_id) over (partition by coalesce(r.pr_key, c.pr_key)) as report_id,
    coalesce(r.path, c.path) as path, m.module, r.module_label, r.category, r.file_type, r.symbols, r.description,
    r.status, r.importance, c.additions, c.deletions,
    list_concat(case when r.path is not null then ['report'] else [] end, coalesce(c.sources, [])) as sources,
    c.change_status, c.previous_path
from report_side r
full join change_side c on c.pr_key = r.pr_key and c.path = r.path
left join intermediate.file_modules m on m.repo is not distinct from coalesce(r.repo, c.repo)
                                 and m.path = coalesce(r.path, c.path)
