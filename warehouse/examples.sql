-- Example queries over the public views: the SQL page offers each (its title is the comment line above
-- it), and tests/test_dashboards.py runs them all. Separate queries by a blank line.

-- Regression chains, longest first
select chain_id, member_numbers, member_titles, days_to_fix, modules
from regression_chains order by length desc, first_merged_at;

-- Which modules most often need a later fix?
select repo, module, prs, regressions_introduced, reverted_prs, share_later_fixed_or_reverted
from module_risk where prs >= 3 order by share_later_fixed_or_reverted desc;

-- Missing-tests flags per module
select repo, module, flag_counts['missing-tests'] as prs_missing_tests from module_risk
where flag_counts['missing-tests'] is not null order by 3 desc;

-- Weekly merged PRs by risk level for one repo (zeros included)
select week, prs_merged, high_risk_prs, medium_risk_prs, low_risk_prs, regression_fixes, reverts
from weekly_trends where repo = 'sgl-project/sglang' and module = '(all)' order by week;

-- Flags the taxonomy does not cover yet (add keywords to config/risk_taxonomy.csv)
select flag, count(*) from pr_risk_flags where canonical_flag = 'other' group by flag order by 2 desc;

-- Everything one PR's reports say about earlier PRs
select to_key, from_key, relation, confidence, evidence from pr_links where to_key = 'sgl-project/sglang#22598';

-- Reports by risk level
select risk_level, count(*) from staging.reports group by all order by 2 desc;

-- The most frequent risk flags
select flag, count(*) as reports
from staging.report_risk_flags join staging.reports using (document_id)
group by flag order by reports desc limit 20;

-- Which PRs does each report say introduced the bug it fixes?
select r.report_id, r.display_title, x.ref_repo, x.ref_number, x.sentence
from staging.report_references x join staging.reports r using (document_id)
where x.relation = 'regression' and x.ref_kind = 'pr';

-- Files most often named as key files
select path, count(*) from staging.report_key_files join staging.reports using (document_id)
group by path order by 2 desc limit 20;

-- PRs with the most lines changed per module, from any source
select f.module, count(distinct f.pr_key) as prs, sum(f.additions + f.deletions) as lines_changed
from pr_files f group by all order by lines_changed desc nulls last limit 20;

-- Merged PRs that still have no report
select pr_key, title, merged_at, sources from pull_requests
where state = 'merged' and not has_report order by merged_at desc;

-- Reviews on GitHub by state, humans only
select state, count(*) from pr_reviews where source = 'github' and not reviewer_is_bot group by all;

-- Unnumbered reports and what they were matched to
select report_id, candidate_number, verdict, key_files_changed || '/' || key_files as files, common_words
from report_matches;

-- Why documents were quarantined
select reason, source_uri, detail from staging.quarantine order by quarantined_at desc;
