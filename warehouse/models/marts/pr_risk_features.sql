-- What the regression-risk model reads, per PR it scores (every PR with a merge time, and every PR open on
-- GitHub), each as known at the PR's merge (an open PR: as far as the data reaches), never after:
--   size: lines added and deleted, files, modules, folders, how evenly the lines spread over the files;
--   history of what it touches: earlier merged changes of its files and modules, how many of them came from
--     PRs already found to have introduced a bug (by the time that was found), from fixes, and their age;
--   its author's experience (git author, else GitHub login): earlier PRs, earlier PRs in these modules and
--     files, earlier PRs found to have introduced a bug;
--   its review on GitHub before the merge, its title's kind (a revert, a re-land, a fix) and its report's
--     risk level and flags.
-- One row per PR. Every column after merged_at is a feature: the risk step and bench/eval_risk.py take them
-- by name from this table, the one definition. Fractions are rounded to 6 places: a sum of doubles is added in
-- whatever order DuckDB's threads finish, and its last bits would otherwise make the same data look new. History is looked up with as-of joins on running totals, each
-- lookup taking the last total strictly before the PR's time.
with repo_clock as (
    select repo, max(merged_at) as data_through from marts.pull_requests group by repo
),

prs as (
    select p.pr_key, p.repo, p.title, p.merged_at, p.created_at, p.risk_level,
           -- an open PR: as far as the repo's data reaches (its latest merge, or the PR's own last update)
           coalesce(p.merged_at, greatest(c.data_through, h.updated_at), p.created_at) as known_at,
           coalesce(g.author, h.author, p.author) as author, h.number is not null as on_github
    from marts.pull_requests p
    left join repo_clock c using (repo)
    left join intermediate.git_pulls g using (pr_key)
    left join staging.github_pulls h on h.repo = p.repo and h.number = p.number
    where p.merged_at is not null or p.state = 'open'
),

found_bad as (  -- PRs found to have introduced a bug, and when (any horizon: what a maintainer knew then)
    select pr_key, found_at from marts.pr_risk_labels where found_at is not null
),

fixes as (  -- PRs that fixed a regression or reverted a PR (a link says so), or whose title says it fixes
    select distinct to_key as pr_key from marts.pr_links where in_chains and relation in ('regression', 'revert')
    union
    select pr_key from prs where regexp_matches(title, '(?i)\b(fix(es|ed)?|bug ?fix|hotfix|revert)\b')
),

changes as (  -- every file each PR changed, with its lines, module and folder
    select p.pr_key, p.repo, p.known_at, p.author, p.merged_at is not null as merged, f.path,
           coalesce(f.additions, 0) as added, coalesce(f.deletions, 0) as deleted, m.module,
           case when contains(f.path, '/') then regexp_replace(f.path, '/[^/]*$', '') else '' end as folder,
           x.pr_key is not null as by_fix
    from prs p
    join intermediate.pr_changed_files f using (pr_key)
    left join intermediate.file_modules m on m.repo = f.repo and m.path = f.path
    left join fixes x on x.pr_key = p.pr_key
),

-- ---- running totals, one row per event, in time order -------------------------------------------------

file_totals as (  -- per file: merged changes so far, distinct authors so far, fixes so far, its first change
    select repo, path, known_at as at,
           row_number() over w as changes,
           sum(first_by_author::int) over w as authors,
           sum(by_fix::int) over w as fixes,
           first_value(known_at) over w as first_at
    from (select *, row_number() over (partition by repo, path, author order by known_at, pr_key) = 1
                    as first_by_author
          from changes where merged)
    window w as (partition by repo, path order by known_at, pr_key rows unbounded preceding)
),

file_bad_totals as (  -- per file: earlier changes by PRs found bad, counted from when they were found
    select c.repo, c.path, b.found_at as at,
           row_number() over (partition by c.repo, c.path order by b.found_at, c.pr_key) as bad
    from changes c join found_bad b using (pr_key)
    where c.merged
),

author_file_totals as (
    select repo, author, path, known_at as at,
           row_number() over (partition by repo, author, path order by known_at, pr_key) as changes
    from changes where merged and author is not null
),

pr_modules as (  -- each module a PR touched, once
    select distinct pr_key, repo, known_at, author, merged, module from changes where module is not null
),

module_totals as (
    select repo, module, known_at as at,
           row_number() over (partition by repo, module order by known_at, pr_key) as changes
    from pr_modules where merged
),

module_bad_totals as (
    select m.repo, m.module, b.found_at as at,
           row_number() over (partition by m.repo, m.module order by b.found_at, m.pr_key) as bad
    from pr_modules m join found_bad b using (pr_key)
    where m.merged
),

author_module_totals as (
    select repo, author, module, known_at as at,
           row_number() over (partition by repo, author, module order by known_at, pr_key) as changes
    from pr_modules where merged and author is not null
),

author_totals as (
    select repo, author, known_at as at,
           row_number() over (partition by repo, author order by known_at, pr_key) as prs
    from prs where merged_at is not null and author is not null
),

author_bad_totals as (
    select p.repo, p.author, b.found_at as at,
           row_number() over (partition by p.repo, p.author order by b.found_at, p.pr_key) as bad
    from prs p join found_bad b using (pr_key)
    where p.merged_at is not null and p.author is not null
),

title_words as (  -- the distinct words of each PR's title ("rocm", "reland", "quantization" ...)
    select distinct pr_key, repo, known_at, merged_at is not null as merged,
           unnest(regexp_extract_all(lower(coalesce(title, '')), '[a-z][a-z0-9_+]{2,}')) as word
    from prs
),

word_totals as (
    select repo, word, known_at as at,
           row_number() over (partition by repo, word order by known_at, pr_key) as prs
    from title_words where merged
),

word_bad_totals as (
    select w.repo, w.word, b.found_at as at,
           row_number() over (partition by w.repo, w.word order by b.found_at, w.pr_key) as bad
    from title_words w join found_bad b using (pr_key)
    where w.merged
),

-- ---- what each PR's files, modules and author had behind them, strictly before its time ----------------

file_history as (
    select c.pr_key, c.path, c.added, c.deleted, c.folder, c.module,
           h.changes, h.authors, h.fixes, h.first_at, h.at as last_at, c.known_at, b.bad, a.changes as own_changes,
           r.changes as changes_90_days_before
    from changes c
    asof left join file_totals h on h.repo = c.repo and h.path = c.path and c.known_at > h.at
    asof left join file_bad_totals b on b.repo = c.repo and b.path = c.path and c.known_at > b.at
    asof left join author_file_totals a on a.repo = c.repo and a.author = c.author and a.path = c.path
                                        and c.known_at > a.at
    asof left join file_totals r on r.repo = c.repo and r.path = c.path
                                 and c.known_at - interval 90 day > r.at
),

module_history as (
    select m.pr_key, h.changes, b.bad, a.changes as own_changes
    from pr_modules m
    asof left join module_totals h on h.repo = m.repo and h.module = m.module and m.known_at > h.at
    asof left join module_bad_totals b on b.repo = m.repo and b.module = m.module and m.known_at > b.at
    asof left join author_module_totals a on a.repo = m.repo and a.author = m.author and a.module = m.module
                                          and m.known_at > a.at
),

author_history as (
    select p.pr_key, h.prs, b.bad, r.prs as prs_90_days_before
    from prs p
    asof left join author_totals h on h.repo = p.repo and h.author = p.author and p.known_at > h.at
    asof left join author_bad_totals b on b.repo = p.repo and b.author = p.author and p.known_at > b.at
    asof left join author_totals r on r.repo = p.repo and r.author = p.author
                                   and p.known_at - interval 90 day > r.at
),

word_history as (  -- per PR, its riskiest title word: the share of earlier PRs with the word found bad, shrunk
    -- towards none by 20 PRs' weight so that a rare word needs several bad PRs to count
    select w.pr_key, max(coalesce(b.bad, 0) / (coalesce(h.prs, 0) + 20.0)) as bad_share
    from title_words w
    asof left join word_totals h on h.repo = w.repo and h.word = w.word and w.known_at > h.at
    asof left join word_bad_totals b on b.repo = w.repo and b.word = w.word and w.known_at > b.at
    group by w.pr_key
),

-- ---- per PR ------------------------------------------------------------------------------------------

per_file as (
    select pr_key,
           count(*) as files, sum(added) as added, sum(deleted) as deleted,
           count(distinct module) as modules, count(distinct folder) as folders,
           count(*) filter (where regexp_matches(path, '(^|/)(tests?|testing)/|(^|/)test_[^/]*$|_test\.[a-z]+$'))
               as test_files,
           count(*) filter (where regexp_matches(lower(path), '\.(md|rst|txt)$|(^|/)docs?/')) as doc_files,
           count(*) filter (where changes is null) as new_files,
           sum(coalesce(changes, 0)) as prior_changes,
           sum(coalesce(changes, 0) - coalesce(changes_90_days_before, 0)) as recent_changes,
           max(coalesce(authors, 0)) as prior_authors,
           sum(coalesce(fixes, 0)) as prior_fixes,
           sum(coalesce(bad, 0)) as prior_bad,
           max(coalesce(bad, 0) / (coalesce(changes, 0) + 20.0)) as bad_share,
           sum(coalesce(own_changes, 0)) as own_changes,
           avg(date_diff('hour', last_at, known_at) / 24.0) as days_since_last_change,
           avg(date_diff('hour', first_at, known_at) / 24.0) as file_age_days,
           -- Shannon entropy of the changed lines over the files: 0 when one file holds every line
           coalesce(-sum(case when lines > 0 then lines / total * log2(lines / total) end), 0) as entropy
    from (select *, added + deleted as lines, sum(added + deleted) over (partition by pr_key) as total
          from file_history)
    group by pr_key
),

per_module as (
    select pr_key, sum(coalesce(changes, 0)) as prior_changes, sum(coalesce(bad, 0)) as prior_bad,
           max(coalesce(bad, 0) / (coalesce(changes, 0) + 20.0)) as bad_share,
           sum(coalesce(own_changes, 0)) as own_changes
    from module_history
    group by pr_key
),

reviews as (  -- submitted by people before the merge
    select p.pr_key, count(*) as reviews, count(distinct r.reviewer) as reviewers
    from prs p
    join staging.github_reviews r on r.repo = p.repo and pr_key(r.repo, r.number) = p.pr_key
    where r.submitted_at <= p.known_at and not coalesce(r.reviewer_is_bot, false)
    group by p.pr_key
),

review_comments as (
    select p.pr_key, count(*) as comments
    from prs p
    join staging.github_review_comments c on c.repo = p.repo and pr_key(c.repo, c.number) = p.pr_key
    where c.created_at <= p.known_at and not coalesce(c.author_is_bot, false)
    group by p.pr_key
),

flags as (
    select pr_key, count(*) as flags from marts.pr_risk_flags group by pr_key
)

select
    p.pr_key, p.repo, p.merged_at,
    -- size
    coalesce(f.added, pr.additions, 0) as lines_added,
    coalesce(f.deleted, pr.deletions, 0) as lines_deleted,
    coalesce(f.files, pr.changed_files, 0) as files_changed,
    coalesce(f.modules, 0) as modules_touched,
    coalesce(f.folders, 0) as folders_touched,
    round(coalesce(f.entropy, 0), 6) as change_entropy,
    round(coalesce(f.test_files / f.files, 0), 6) as test_file_share,
    round(coalesce(f.doc_files / f.files, 0), 6) as doc_file_share,
    -- history of what it touches
    coalesce(f.new_files, 0) as new_files,
    coalesce(f.prior_changes, 0) as file_prior_changes,
    coalesce(f.recent_changes, 0) as file_recent_changes,
    coalesce(f.prior_authors, 0) as file_prior_authors,
    coalesce(f.prior_fixes, 0) as file_prior_fixes,
    coalesce(f.prior_bad, 0) as file_prior_bugs,
    round(coalesce(f.bad_share, 0), 6) as file_bug_share,
    round(f.days_since_last_change, 6) as file_days_since_change,
    round(f.file_age_days, 6) as file_age_days,
    coalesce(m.prior_changes, 0) as module_prior_changes,
    coalesce(m.prior_bad, 0) as module_prior_bugs,
    round(coalesce(m.bad_share, 0), 6) as module_bug_share,
    -- its author's experience
    coalesce(a.prs, 0) as author_prior_prs,
    coalesce(a.prs, 0) - coalesce(a.prs_90_days_before, 0) as author_recent_prs,
    coalesce(a.bad, 0) as author_prior_bugs,
    coalesce(m.own_changes, 0) as author_module_prs,
    coalesce(f.own_changes, 0) as author_file_changes,
    -- review before the merge (GitHub), the title, the report
    case when p.on_github then coalesce(rv.reviews, 0) end as reviews,
    case when p.on_github then coalesce(rv.reviewers, 0) end as reviewers,
    case when p.on_github then coalesce(rc.comments, 0) end as review_comments,
    case when p.created_at is not null and p.known_at >= p.created_at
         then date_diff('minute', p.created_at, p.known_at) / 60.0 end as hours_open,
    round(coalesce(w.bad_share, 0), 6) as title_word_bug_share,
    regexp_matches(p.title, '(?i)^\W*revert\b')::int as title_is_revert,
    regexp_matches(p.title, '(?i)\b(re-?land(ed|ing)?|re-?apply|re-?do|re-?submit)\b')::int as title_is_reland,
    regexp_matches(p.title, '(?i)\b(fix(es|ed)?|bug ?fix|hotfix)\b')::int as title_is_fix,
    case p.risk_level when 'low' then 1 when 'medium' then 2 when 'high' then 3 end as report_risk_level,
    case when pr.has_report then coalesce(fl.flags, 0) end as report_flags
from prs p
join marts.pull_requests pr using (pr_key)
left join per_file f using (pr_key)
left join per_module m using (pr_key)
left join author_history a using (pr_key)
left join word_history w using (pr_key)
left join reviews rv using (pr_key)
left join review_comments rc using (pr_key)
left join flags fl using (pr_key)
