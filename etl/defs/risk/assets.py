"""Risk domain: a regression-risk model per repo, learned from the repo's own history (marts.pr_risk_features
and marts.pr_risk_labels), versioned over time, and every PR's score from the version in force at its merge
(risk.model_versions, risk.pr_scores; public view pr_risk)."""

import time

import dagster as dg

from etl import names
from etl.defs.resources import RiskModelResource, WarehouseResource
from etl.defs.run_log import record_checks, record_source_run
from etl.risk import features, runs

from ..keys import RISK_MODELS, RISK_SCORES
from ..metrics.checks import run_check
from ..partitions import after_sources
from .checks import CHECKS, check_spec

INPUTS = [dg.AssetKey(["marts", "pr_risk_features"]), dg.AssetKey(["marts", "pr_risk_labels"])]


def _specs() -> list[dg.AssetSpec]:
    automation = after_sources()
    return [
        dg.AssetSpec(RISK_MODELS, deps=INPUTS, group_name="risk", kinds={"duckdb", "scikit-learn"},
                     automation_condition=automation,
                     description="Every model version of every repo (risk.model_versions): its cut-off, the PRs it "
                                 "learned from, its features, the pickled pipeline, and how logistic regression "
                                 "and gradient boosting compared on the latest fourth of its training PRs."),
        dg.AssetSpec(RISK_SCORES, deps=[RISK_MODELS, *INPUTS], group_name="risk", kinds={"duckdb", "scikit-learn"},
                     automation_condition=automation,
                     description="Each PR's regression-risk score, band and top factors, from the version in force "
                                 "when it merged (risk.pr_scores; public view pr_risk)."),
    ]


@dg.multi_asset(name="risk", specs=_specs(), check_specs=[check_spec(c) for c in CHECKS])
def risk(context: dg.AssetExecutionContext, warehouse: WarehouseResource, risk_model: RiskModelResource):
    with warehouse.connection() as con:
        inputs = runs.inputs_digest(con, risk_model.retrain_every)
        if runs.unchanged(con, inputs):  # the same features, labels and code: the same versions and scores
            context.log.info("risk: features and labels as at the last run; nothing to train or score")
            checks = record_checks(con, [run_check(con, c) for c in CHECKS], context.run.run_id)
            record_source_run(con, names.RISK, context.run.run_id, {"unchanged": True, "inputs": inputs})
            yield from (dg.MaterializeResult(asset_key=key, metadata={"unchanged": True})
                        for key in (RISK_MODELS, RISK_SCORES))
            yield from checks
            return
        # scikit-learn (86 MB, a second to load) only when there is work: never when the definitions load
        from etl.risk import store
        from etl.risk.scoring import score_repo

        started = time.perf_counter()
        columns = features.feature_names(con)
        frame = features.read_frame(con, columns)
        read_seconds = time.perf_counter() - started
        fallback = store.pooled_base_rate(frame)
        find = store.lookup(con)
        results = [score_repo(repo, rows.reset_index(drop=True), columns, risk_model.retrain_every, find, fallback)
                   for repo, rows in frame.groupby("repo", sort=True)]
        written = store.save(con, results)
        by_repo = {r.repo: _summary(r) for r in results}
        for repo, summary in by_repo.items():
            context.log.info(f"risk {repo}: {summary['prs_scored']} PRs scored, {summary['versions_trained']} "
                             f"version(s) trained, {summary['versions_reused']} reused; latest: "
                             f"{summary['latest_algorithm']}")
        timings = {"read_seconds": round(read_seconds, 3),
                   "train_seconds": round(sum(r.train_seconds for r in results), 3),
                   "score_seconds": round(sum(r.score_seconds for r in results), 3)}
        checks = record_checks(con, [run_check(con, c) for c in CHECKS], context.run.run_id)
        record_source_run(con, names.RISK, context.run.run_id, {**written, **timings, "repos": len(results),
                                                                "features": len(columns), "inputs": inputs})
        versions = con.execute("select count(*) from risk.model_versions").fetchone()[0]
    yield dg.MaterializeResult(asset_key=RISK_MODELS, metadata={
        "dagster/row_count": versions, "versions_added": written["versions_added"],
        "train_seconds": timings["train_seconds"], "features": dg.MetadataValue.json(columns),
        "by_repo": dg.MetadataValue.json(by_repo)})
    yield dg.MaterializeResult(asset_key=RISK_SCORES, metadata={
        "dagster/row_count": int(sum(s["prs_scored"] for s in by_repo.values())),
        "scores_written": written["scores_written"], "scores_removed": written["scores_removed"],
        "score_seconds": timings["score_seconds"]})
    yield from checks


def _summary(result) -> dict:
    latest = result.versions[-1].version if result.versions else None
    return {"prs_scored": 0 if result.scores is None else len(result.scores),
            "versions_trained": result.trained, "versions_reused": result.reused,
            "latest_version": result.versions[-1].key if result.versions else None,
            "latest_algorithm": latest.algorithm if latest else None,
            "latest_trained_on": {"prs": latest.train_prs, "bugs": latest.train_bugs} if latest else None,
            "latest_validation": latest.validation if latest else None}
