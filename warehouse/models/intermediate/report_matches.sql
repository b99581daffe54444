-- Reports that name no PR number, matched to the PR they describe when the evidence is strong: a PR of
-- the same repo that changed every key file the report lists, merged within 3 days of the report's merge
-- time (when the report gives one) or sharing words with the report's title, and the only PR that does.
-- Anything weaker stays unmatched, with the best candidate and its evidence kept for review.
with unnumbered as (
    select report_id, repo, merged_at, coalesce(title, '') || ' ' || coalesce(one_liner, '') as words_from
    from staging.reports
    where pr_number is null
),

key_files as (
    select distinct f.report_id, f.path
    from staging.report_key_files f
    join unnumbered u using (report_id)
    where f.document_id in (select document_id from staging.reports)
),

key_file_counts as (
    select report_id, count(*) as key_files from key_files group by report_id
),

candidate_prs as (  -- merged PRs known from GitHub or git, with their title and merge time
    select repo, number, title, merged_at from staging.github_pulls where merged_at is not null
    union all
    select g.repo, g.number, g.title, g.merged_at from intermediate.git_pulls g
    where not exists (select 1 from staging.github_pulls p where p.repo = g.repo and p.number = g.number)
),

changed_files as (
    select repo, number, path from staging.github_files
    union
    select p.repo, p.number, f.path
    from intermediate.git_pulls p join staging.git_commit_files f on f.repo = p.repo and f.sha = p.sha
),

overlap as (
    select k.report_id, c.repo, c.number, count(*) as key_files_changed
    from key_files k
    join unnumbered u using (report_id)
    join changed_files c on c.repo = u.repo and c.path = k.path
    group by all
),

scored as (
    select
        u.report_id, u.repo, o.number, n.key_files, o.key_files_changed,
        round(abs(date_diff('minute', u.merged_at, p.merged_at)) / 1440.0, 2) as days_apart,
        list_intersect(
            list_distinct(regexp_extract_all(lower(u.words_from), '[a-z][a-z0-9_]{2,}')),
            list_distinct(regexp_extract_all(lower(coalesce(p.title, '')), '[a-z][a-z0-9_]{2,}'))
        ) as common_words
    from unnumbered u
    join key_file_counts n using (report_id)
    join overlap o using (report_id)
    join candidate_prs p on p.repo = o.repo and p.number = o.number
),

judged as (
    select *,
        key_files_changed = key_files
        and (days_apart <= 3 or (days_apart is null and len(common_words) > 0))
        and not exists (select 1 from staging.reports r where r.repo = scored.repo and r.pr_number = scored.number)
            as strong
    from scored
),

ranked as (
    select *,
        count(*) filter (where strong) over (partition by report_id) as strong_candidates,
        row_number() over (partition by report_id
                           order by strong desc, key_files_changed desc, days_apart nulls last,
                                    len(common_words) desc, number) as pick
    from judged
)

select
    u.report_id, u.repo, r.number as candidate_number, coalesce(n.key_files, 0) as key_files,
    coalesce(r.key_files_changed, 0) as key_files_changed, r.days_apart, coalesce(r.common_words, []) as common_words,
    coalesce(r.strong_candidates, 0) as strong_candidates,
    coalesce(r.strong and r.strong_candidates = 1, false) as matched,
    case
        when r.number is null then 'no PR changed any of its key files'
        when r.strong and r.strong_candidates = 1 then 'matched'
        when r.strong then 'several PRs fit equally well'
        when r.key_files_changed < r.key_files then 'no PR changed all of its key files'
        when exists (select 1 from staging.reports x where x.repo = r.repo and x.pr_number = r.number)
            then 'the candidate PR already has its own report'
        else 'merge time and title do not agree'
    end as verdict
from unnumbered u
left join key_file_counts n using (report_id)
left join ranked r on r.report_id = u.report_id and r.pick = 1
