-- Every claim, from every source, that one PR relates to another: report sentences (staging.report_references),
-- commit messages and PR titles and bodies (staging.text_claims), and line history
-- (staging.szz_candidates). One row per claim, both ends as PR keys and directed from the earlier PR to the
-- later one: by merge time when both are known (numbers are given when a PR opens, order is decided when
-- it merges), else as the text puts it. A revert named only by title or commit is resolved here.
with known_prs as (  -- numbers git history or GitHub knows as PRs: a PR, whatever a text calls it
    select pr_key from intermediate.git_pulls
    union
    select pr_key(repo, number) from staging.github_pulls
),

report_claims as (
    select
        'report' as source, r.pr_key as claimant_key, r.repo as claimant_repo, r.pr_number as claimant_number,
        case when r.pr_number is null then r.report_id end as claimant_report_id,
        x.ref_repo, x.ref_number, x.relation, x.referenced_is, coalesce(x.cue, 'mention') as cue, x.detail,
        x.sentence as evidence, r.report_id as document,
        case x.section when 'title' then 0.95 when 'related' then 0.9 when 'motivation' then 0.85
                       when 'summary' then 0.8 when 'code' then 0.5 when 'key_files' then 0.6 else 0.7 end as weight
    from staging.report_references x
    join intermediate.reports r using (document_id)
    where x.ref_kind = 'pr' or pr_key(coalesce(x.ref_repo, r.repo), x.ref_number) in (select pr_key from known_prs)
),

text_claims as (
    select source, repo, pr_number as claimant_number, ref_repo, ref_number, ref_kind, relation, referenced_is,
           cue, detail, evidence, target_title, target_sha, said_in as document
    from staging.text_claims
),

titles as (  -- what a Revert "<title>" can name: git subjects without their (#N), and GitHub titles
    select repo, number, lower(regexp_replace(trim(title), '\s+', ' ', 'g')) as title, merged_at
    from intermediate.git_pulls where title is not null
    union
    select repo, number, lower(regexp_replace(trim(title), '\s+', ' ', 'g')), merged_at
    from staging.github_pulls where title is not null
),

by_title as (
    select t.repo, t.claimant_number, t.target_title,
           arg_max(p.number, p.merged_at) as number  -- the latest PR of that title (a re-land repeats it)
    from (select distinct repo, claimant_number, target_title,
                 lower(regexp_replace(regexp_replace(trim(target_title), '\s*(…|\.\.\.)$', ''), '\s+', ' ', 'g')) as wanted,
                 regexp_matches(trim(target_title), '(…|\.\.\.)$') as cut
          from text_claims where target_title is not null) t
    join titles p on p.repo = t.repo and p.number <> t.claimant_number
                 and (p.title = t.wanted or (t.cut and starts_with(p.title, t.wanted)))
    group by all
),

by_sha as (
    select t.repo, t.target_sha, any_value(c.pr_number) as number
    from (select distinct repo, target_sha from text_claims where target_sha is not null) t
    join staging.git_commits c on c.repo = t.repo and left(c.sha, 7) = left(t.target_sha, 7)
                          and starts_with(c.sha, t.target_sha) and c.pr_number is not null
    group by all
),

resolved as (
    select t.source, pr_key(t.repo, t.claimant_number) as claimant_key, t.repo as claimant_repo,
           t.claimant_number, null as claimant_report_id,
           coalesce(t.ref_repo, t.repo) as ref_repo, coalesce(t.ref_number, s.number, b.number) as ref_number,
           t.relation, t.referenced_is, t.cue, t.detail, t.evidence, t.document,
           case when t.cue in ('revert_title', 'reverts_commit', 'revert_quoted_title') then 0.98
                when t.cue in ('mention', 'fixes_another') then 0.6 else 0.9 end as weight
    from text_claims t
    left join by_sha s on s.repo = t.repo and s.target_sha = t.target_sha
    left join by_title b on b.repo = t.repo and b.claimant_number = t.claimant_number
                        and b.target_title = t.target_title
    where t.ref_kind = 'pr' or pr_key(coalesce(t.ref_repo, t.repo), t.ref_number) in (select pr_key from known_prs)
),

szz_claims as (  -- line history: the fix deleted or changed lines that the earlier PR wrote
    select 'szz' as source, pr_key(repo, fix_number) as claimant_key, repo as claimant_repo,
           fix_number as claimant_number, null as claimant_report_id, repo as ref_repo,
           introducer_number as ref_number, 'regression' as relation, 'earlier' as referenced_is, 'blame' as cue,
           null as detail,
           format('{} of the {} line(s) the fix deleted or changed were last written by #{} ({})', lines,
                  fix_lines, introducer_number, array_to_string(files, ', ')) as evidence,
           fix_sha as document, round(share, 2) as weight
    from staging.szz_candidates
),

claims as (
    select source, claimant_key, claimant_repo, claimant_number, claimant_report_id, ref_repo, ref_number,
           relation, referenced_is, cue, detail, evidence, document, weight
    from report_claims
    union all
    select * from resolved where ref_number is not null
    union all
    select * from szz_claims
),

merge_times as (  -- when each PR merged: GitHub's time, else git's, else the report's (local time as written)
    select pr_key, arg_min(merged_at, priority) as merged_at, min(priority) = 3 as from_report
    from (
        select pr_key(repo, number) as pr_key, merged_at, 1 as priority from staging.github_pulls
        where merged_at is not null
        union all
        select pr_key, merged_at, 2 from intermediate.git_pulls where merged_at is not null
        union all
        select pr_key, merged_at, 3 from intermediate.reports where merged_at is not null
    ) group by pr_key
),

known_issues as (
    -- numbers some text calls an issue ("issue #12", "Fixes #12") and no PR git history or GitHub knows: never a
    -- link (release notes link PRs through /issues/N, which GitHub redirects, so a known PR stays a PR)
    (select distinct pr_key(ref_repo, ref_number) as ref_key from staging.report_references where ref_kind = 'issue'
     union
     select distinct pr_key(coalesce(ref_repo, repo), ref_number) from text_claims where ref_kind = 'issue')
    except
    select pr_key from known_prs
),

github_ranges as (
    -- PR and issue numbers share one sequence: between the first and last PR GitHub listed as opened since its
    -- collection began, a number that is no PR is an issue
    select p.repo, min(p.number) as low, max(p.number) as high
    from staging.github_pulls p
    left join (select repo, min(window_start) as since from meta.github_windows group by repo) w using (repo)
    where p.created_at >= coalesce(w.since, '1970-01-01'::timestamp)
    group by p.repo
),

ordered as (
    select c.*, pr_key(c.ref_repo, c.ref_number) as ref_key,
           -- the mentioned PR merged first (null: unknown). A report's time is local: a day of margin.
           case when mc.merged_at is null or mr.merged_at is null or mc.merged_at = mr.merged_at then null
                when (mc.from_report or mr.from_report)
                     and abs(date_diff('second', mc.merged_at, mr.merged_at)) < 86400 then null
                else mr.merged_at < mc.merged_at end as ref_merged_first
    from claims c
    left join merge_times mc on mc.pr_key = c.claimant_key
    left join merge_times mr on mr.pr_key = pr_key(c.ref_repo, c.ref_number)
    left join github_ranges g on g.repo = c.ref_repo
    left join staging.github_pulls listed on listed.repo = c.ref_repo and listed.number = c.ref_number
    where pr_key(c.ref_repo, c.ref_number) not in (select ref_key from known_issues)
      and (g.repo is null or c.ref_number not between g.low and g.high or listed.number is not null)
      -- what a fix or a revert undoes was merged: where git history names the repository's PRs, a number it
      -- never merged is an issue ("fix bug #174"), not the PR that brought the fault
      and not (c.relation in ('regression', 'revert') and c.referenced_is = 'earlier'
               and c.ref_repo in (select repo from intermediate.git_pulls)
               and pr_key(c.ref_repo, c.ref_number) not in (select pr_key from known_prs))
),

oriented as (
    -- direction by merge time; a claim whose text puts the other PR on the side merge times deny is about
    -- something else ("the first version was reverted in #N" in the report of a re-land): a reference
    select * replace (
               case when ref_merged_first is not null and ref_merged_first <> (referenced_is = 'earlier')
                         and relation <> 'reference' then 'reference' else relation end as relation,
               case when ref_merged_first is not null and ref_merged_first <> (referenced_is = 'earlier')
                         and relation <> 'reference' then cue || '/against_merge_order' else cue end as cue),
           coalesce(ref_merged_first, referenced_is = 'earlier') as ref_first
    from ordered
)

select
    source,
    case when ref_first then ref_key else claimant_key end as from_key,
    case when ref_first then ref_repo else claimant_repo end as from_repo,
    case when ref_first then ref_number else claimant_number end as from_number,
    case when ref_first then null else claimant_report_id end as from_report_id,
    case when ref_first then claimant_key else ref_key end as to_key,
    case when ref_first then claimant_repo else ref_repo end as to_repo,
    case when ref_first then claimant_number else ref_number end as to_number,
    case when ref_first then claimant_report_id end as to_report_id,
    relation, cue, detail, evidence, document,
    round(case when relation = 'reference' then weight / 2 else weight end, 2) as confidence
from oriented
where claimant_key <> ref_key  -- a text citing its own PR is not a link
