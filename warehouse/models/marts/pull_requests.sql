-- One row per PR, whichever sources know it: its report (numbered, or matched to it), GitHub, git, or
-- only a link from another report. Times prefer GitHub (UTC), then git, then the report as written; so do
-- the change's size figures (the report states them when it was read from the site's PR page).
-- check unique: pr_key
with reported as (
    select pr_key, repo, pr_number as number, report_id, title, display_title, merged_at, author, risk_level,
           source_url, pr_number_source, additions, deletions, changed_files
    from intermediate.reports
),

from_github as (
    select pr_key(repo, number) as pr_key, * from staging.github_pulls
),

from_git as (
    select * from intermediate.git_pulls
),

known as (
    select pr_key, repo, number from reported
    union
    select pr_key, repo, number from from_github
    union
    select pr_key, repo, number from from_git
),

endpoints as (
    select from_key as pr_key, from_repo as repo, from_number as number from intermediate.link_claims
    union
    select to_key, to_repo, to_number from intermediate.link_claims
),

referenced_only as (
    select e.pr_key, e.repo, e.number,
           coalesce(any_value(x.ref_title), pr_key(e.repo, e.number)) as display_title
    from endpoints e
    left join staging.report_references x on pr_key(x.ref_repo, x.ref_number) = e.pr_key and x.ref_title is not null
    where e.number is not null and e.pr_key not in (select pr_key from known)
    group by e.pr_key, e.repo, e.number
)

select
    k.pr_key, k.repo, k.number, r.report_id,
    coalesce(r.title, g.title, c.title) as title,
    coalesce(r.display_title, g.title, c.title, k.pr_key) as display_title,
    coalesce(g.merged_at, c.merged_at, r.merged_at) as merged_at,
    coalesce(r.author, g.author, c.author) as author,
    coalesce(r.risk_level, 'unknown') as risk_level,
    r.source_url,
    r.report_id is not null as has_report,
    list_filter(['report', 'github', 'git'],
                lambda s: (s = 'report' and r.pr_key is not null) or (s = 'github' and g.pr_key is not null)
                          or (s = 'git' and c.pr_key is not null)) as sources,
    case when g.merged_at is not null or c.pr_key is not null or r.merged_at is not null then 'merged'
         else g.state end as state,
    g.draft, g.created_at, g.closed_at, g.base_ref,
    coalesce(g.additions, c.additions, r.additions) as additions,
    coalesce(g.deletions, c.deletions, r.deletions) as deletions,
    coalesce(g.changed_files, c.changed_files, r.changed_files) as changed_files,
    g.labels,
    coalesce(g.html_url, case when k.number is not null then 'https://github.com/' || k.repo || '/pull/' || k.number end)
        as github_url,
    coalesce(g.merge_commit_sha, c.sha) as merge_sha,
    r.merged_at as report_merged_at,
    r.pr_number_source
from known k
left join reported r using (pr_key)
left join from_github g using (pr_key)
left join from_git c using (pr_key)

union all by name

select pr_key, repo, number, null as report_id, null as title, display_title, null::timestamp as merged_at,
       null as author, 'unknown' as risk_level, null as source_url, false as has_report, ['reference'] as sources,
       null as state, 'https://github.com/' || repo || '/pull/' || number as github_url
from referenced_only
