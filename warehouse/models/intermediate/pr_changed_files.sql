-- Files each PR changed with their line counts, from GitHub (preferred: it is the PR as reviewed) and
-- from git (the squash or merge commit of the PR). One row per (PR, path), naming every source that has it.
with from_github as (
    select pr_key(repo, number) as pr_key, repo, number, path, status, additions, deletions, previous_path,
           'github' as source
    from staging.github_files
),

from_git as (
    select p.pr_key, p.repo, p.number, f.path,
           case when f.old_path is not null then 'renamed' end as status,
           f.additions, f.deletions, f.old_path as previous_path, 'git' as source
    from intermediate.git_pulls p
    join staging.git_commit_files f on f.repo = p.repo and f.sha = p.sha
),

both_sources as (
    select *, 1 as preference from from_github
    union all
    select *, 2 from from_git
)

select pr_key, repo, number, path,
       arg_min(status, preference) as status,
       arg_min(additions, preference) as additions,
       arg_min(deletions, preference) as deletions,
       arg_min(previous_path, preference) as previous_path,
       list(source order by preference) as sources
from both_sources
group by pr_key, repo, number, path
