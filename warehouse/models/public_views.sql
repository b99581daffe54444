-- The public SQL contract: views queried by bare name, thin selects over the marts (and the bookkeeping
-- the health page shows). Their names and columns are stable across releases; every column is described
-- in warehouse/README.md. They read plain tables and call no macro, so any DuckDB client opens them
-- without project code or extensions.
create or replace view pull_requests as select * from marts.pull_requests;
create or replace view pr_reports as
    select r.pr_key, r.repo, r.pr_number as number, r.report_id, r.title, r.display_title, r.merged_at, r.author,
           r.source_url, r.identity_source, r.repo_source, r.one_liner, r.recommendation, r.summary, r.motivation,
           r.implementation, r.implementation_steps, r.key_symbols, r.review_summary, r.reviewers_named,
           r.risk_level, r.risk_text, r.impact, r.sections_found, r.warnings, r.source_uri, r.received_at,
           v.body_text, r.pr_number_source, r.provenance_url, r.changed_files, r.commits, r.comments, r.additions,
           r.deletions
    from intermediate.reports r join staging.report_versions v using (document_id);
create or replace view pr_files as select * from marts.pr_files;
create or replace view pr_reviews as select * from marts.pr_reviews;
create or replace view pr_risk_flags as select * from marts.pr_risk_flags;
create or replace view pr_links as select * from marts.pr_links;
create or replace view regression_chains as select * from marts.regression_chains;
create or replace view module_risk as select * from marts.module_risk;
create or replace view pr_risk as
    select p.pr_key, p.repo, s.score, s.band, s.top_factors, s.model_version, v.trained_through, v.cutoff,
           v.algorithm, s.reason, l.introduced_bug, l.label_due_at, s.scored_at
    from marts.pull_requests p
    join risk.pr_scores s using (pr_key)
    left join risk.model_versions v using (model_version)
    left join marts.pr_risk_labels l using (pr_key);
create or replace view risk_model_versions as
    select model_version, repo, cutoff, trained_from, trained_through, algorithm, features, train_prs, train_bugs,
           base_rate,
           validation, reason, thresholds, data_digest, method_digest, library, in_force, trained_at
    from risk.model_versions;
create or replace view weekly_trends as select * from marts.weekly_trends;
create or replace view weekly_flag_counts as select * from marts.weekly_flag_counts;
create or replace view pr_module_facts as select * from marts.pr_module_facts;
create or replace view pr_review_comments as select * from marts.pr_review_comments;
create or replace view report_matches as select * from intermediate.report_matches;
create or replace view quarantine as select * from marts.quarantine;
create or replace view pr_code_snippets as select * from marts.pr_code_snippets;
create or replace view pr_modules as
    select pr_key, repo, module from intermediate.pr_modules;
create or replace view pr_descriptions as select * from marts.pr_descriptions;
create or replace view github_warnings as
    select repo || '#' || number as pr_key, repo, number, field, warning, loaded_at from staging.github_warnings;
create or replace view fetch_misses as
    select source, repo, pr_number, url, status, reason, detail, seen_at from meta.fetch_misses;
create or replace view source_runs as
    select source, run_id, finished_at, summary from meta.source_runs;
create or replace view check_results as
    select asset, check_name, passed, severity, metadata, run_id, checked_at from meta.check_results;
create or replace view layer_row_counts as
    select 'raw.documents' as table_name, count(*) as rows from raw.documents
    union all select 'raw.github_responses', count(*) from raw.github_responses
    union all select 'raw.git_logs', count(*) from raw.git_logs
    union all select 'staging.github_pulls', count(*) from staging.github_pulls
    union all select 'staging.git_commits', count(*) from staging.git_commits
    union all select 'search.documents', count(*) from search.documents;
create or replace view search_documents as
    select doc_id, report_id, term_count, body_text from search.documents;
create or replace view search_postings as
    select term, doc_id, tf from search.postings;
