-- The modules each PR touches, from its report's key files and from the files GitHub or git say it
-- changed; a PR with no known files belongs to module 'unknown'.
with prs as (
    select pr_key, repo from intermediate.reports
    union
    select pr_key(repo, number), repo from staging.github_pulls
    union
    select pr_key, repo from intermediate.git_pulls
),

touched as (
    select pr_key, module from intermediate.report_files
    union
    select c.pr_key, m.module
    from intermediate.pr_changed_files c
    join intermediate.file_modules m on m.repo = c.repo and m.path = c.path
)

select p.pr_key, p.repo, coalesce(t.module, 'unknown') as module
from prs p
left join touched t using (pr_key)
