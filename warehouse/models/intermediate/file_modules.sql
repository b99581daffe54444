-- Canonical module of every distinct (repo, path) seen in a report, on GitHub or in git: the first
-- matching rule in warehouse/config/module_rules.csv, else the path's first two meaningful folders.
with distinct_paths as (
    select repo, path from staging.report_key_files
    union
    select repo, path from staging.github_files
    union
    select repo, path from staging.git_commit_files
),

ruled as (
    select p.repo, p.path, r.module,
           row_number() over (partition by p.repo, p.path order by r.priority) as rule_rank
    from distinct_paths p
    join config.module_rules r
      on (r.repo = '*' or r.repo = p.repo) and regexp_full_match(p.path, r.regex)
),

folders as (
    -- folders only (the file name dropped), without packaging folders and the repo's own package name
    select repo, path,
           list_filter(
               list_slice(string_split(path, '/'), 1, len(string_split(path, '/')) - 1),
               lambda d: d not in ('python', 'src', 'lib', 'include', 'csrc', 'pkg')
                         and d <> replace(split_part(coalesce(repo, ''), '/', 2), '-', '_')
           ) as meaningful
    from distinct_paths
)

select f.repo, f.path,
       coalesce(r.module, nullif(array_to_string(list_slice(f.meaningful, 1, 2), '/'), ''), '(root)') as module,
       r.module is not null as from_rule
from folders f
left join ruled r on r.repo is not distinct from f.repo and r.path = f.path and r.rule_rank = 1
