-- Pull requests as git history shows them: the squash commit ("Title (#N)") or the merge commit
-- ("Merge pull request #N from ...") of each PR number, with the change it brought. When several
-- commits claim a number (a cherry-pick, a re-land), the latest one stands for the PR.
with claimed as (
    select c.*, row_number() over (partition by repo, pr_number order by committed_at desc, sha) as recency
    from staging.git_commits c
    where pr_number is not null
),

line_counts as (
    select repo, sha, count(*) as changed_files, sum(additions) as additions, sum(deletions) as deletions
    from staging.git_commit_files
    group by repo, sha
)

select
    pr_key(c.repo, c.pr_number) as pr_key, c.repo, c.pr_number as number, c.sha,
    case when c.pr_evidence = 'merge_commit' then nullif(split_part(c.body, chr(10), 1), '')
         else regexp_replace(c.subject, '\s*\(#\d+\)\s*$', '') end as title,
    c.author_name as author, c.committed_at as merged_at, c.pr_evidence,
    coalesce(l.changed_files, 0) as changed_files, l.additions, l.deletions
from claimed c
left join line_counts l using (repo, sha)
where c.recency = 1
