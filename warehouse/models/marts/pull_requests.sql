-- One row per PR: every reported PR (numbered or not), plus PRs known only because a link names them.
with reported as (
    select pr_key, repo, pr_number as number, report_id, title, display_title, merged_at, author,
           risk_level, source_url, true as has_report, ['report'] as sources
    from staging.reports
),

endpoints as (
    select from_key as pr_key, from_repo as repo, from_number as number from staging.report_links
    union
    select to_key, to_repo, to_number from staging.report_links
),

referenced_only as (
    select e.pr_key, e.repo, e.number, null as report_id, null as title,
           coalesce(any_value(l.ref_title), e.repo || '#' || e.number) as display_title,
           null::timestamp as merged_at, null as author, 'unknown' as risk_level, null as source_url,
           false as has_report, ['reference'] as sources
    from endpoints e
    left join (
        select x.ref_repo || '#' || x.ref_number as pr_key, x.ref_title
        from core.report_references x where x.ref_title is not null
    ) l using (pr_key)
    where e.number is not null and e.pr_key not in (select pr_key from reported)
    group by e.pr_key, e.repo, e.number
)

select * from reported
union all by name
select * from referenced_only
