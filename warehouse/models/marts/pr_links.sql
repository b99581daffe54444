-- Links between PRs, from the earlier PR to the later one, with evidence, source and confidence, and
-- whether each end is a PR with a report or known only as a reference.
select
    l.from_repo, l.from_number, l.from_report_id, l.from_key,
    l.to_repo, l.to_number, l.to_report_id, l.to_key,
    l.relation, l.evidence, l.source, l.confidence, l.mentions,
    coalesce(f.has_report, false) as from_has_report,
    coalesce(t.has_report, false) as to_has_report
from staging.report_links l
left join marts.pull_requests f on f.pr_key = l.from_key
left join marts.pull_requests t on t.pr_key = l.to_key
