"""Checks on what users of the risk scores rely on, run in the risk step right after it writes: every PR that
should have a score has one, a score is a probability with a band, and it comes from a recorded version. They
are queries of offending rows, like the metrics checks, and run the same way (metrics.checks.run_check)."""

import dagster as dg

from ..metrics.checks import CheckSpec

CHECKS = [
    CheckSpec("risk/pr_scores", "every_pr_has_a_risk_score",
              "Every PR with a merge time, and every PR open on GitHub, has a row in pr_risk.",
              """select p.pr_key from marts.pull_requests p
                 where (p.merged_at is not null or p.state = 'open')
                   and not exists (select 1 from risk.pr_scores s where s.pr_key = p.pr_key)"""),
    CheckSpec("risk/pr_scores", "risk_scores_are_probabilities_with_a_band",
              "Every score is between 0 and 1 (null only in band unknown), its band is high, medium, low or "
              "unknown, and an unknown band says why.",
              """select pr_key, score, band, reason from risk.pr_scores
                 where not coalesce(score between 0 and 1, band = 'unknown')
                    or band not in ('high', 'medium', 'low', 'unknown')
                    or (band = 'unknown' and reason is null)"""),
    CheckSpec("risk/model_versions", "risk_scores_come_from_recorded_versions",
              "Every score names a model version of risk.model_versions that is in force.",
              """select s.pr_key, s.model_version from risk.pr_scores s
                 left join risk.model_versions v using (model_version)
                 where v.model_version is null or not v.in_force"""),
]


def check_spec(check: CheckSpec) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(check.name, asset=dg.AssetKey(check.asset.split("/")), description=check.description)
