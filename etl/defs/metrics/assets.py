"""Metrics domain: the config mappings, the SQL models under warehouse/models (intermediate -> marts), and the
public views, as subsettable multi-assets (like dagster-dbt): one Dagster step builds whichever models are
selected, in dependency order, and then runs their checks. Each model is still its own asset. The models that
read what the risk step writes, and the views, are a second such step, after it."""

import dagster as dg

from etl import names, settings
from etl.defs.resources import WarehouseResource
from etl.defs.run_log import record_checks, record_source_run
from etl.models import PUBLIC_VIEWS as PUBLIC_VIEWS_SQL
from etl.models import (
    Model,
    after_steps,
    build_models,
    create_public_views,
    discover,
    fingerprints,
    in_build_order,
    up_to_date,
)
from etl.taxonomy import module_rules_table, replace_table, risk_taxonomy_table

from ..keys import PUBLIC_VIEWS, writers_of
from ..partitions import after_sources, marts_freshness
from .checks import CheckSpec, checks_of, run_check

GROUP = "metrics"
CONFIG_TABLES = {
    dg.AssetKey(["config", "module_rules"]): (
        "config.module_rules", module_rules_table,
        "Path rules to canonical modules (warehouse/config/module_rules.csv)."),
    dg.AssetKey(["config", "risk_taxonomy"]): (
        "config.risk_taxonomy", risk_taxonomy_table,
        "Risk-flag keywords to canonical flags (warehouse/config/risk_taxonomy.csv)."),
}
PUBLIC_VIEWS_DOC = "The public SQL contract: the views of warehouse/models/public_views.sql (see warehouse/README.md)."
VIEWS_KEY = PUBLIC_VIEWS


def _deps(model: Model) -> list[dg.AssetKey]:
    """The assets a model reads: each model and config table by its own key, each source table by the assets
    that write it."""
    keys = set()
    for table in model.reads:
        if table.split(".", 1)[0] in ("intermediate", "marts", "config"):
            keys.add(dg.AssetKey(table.split(".")))
        else:
            keys.update(writers_of(table))
    return sorted(keys, key=str)


VIEWS_MODEL = Model("main", "public_views", PUBLIC_VIEWS_SQL)  # read for what the views select from


def _model_spec(model: Model, automation, fresh) -> dg.AssetSpec:
    return dg.AssetSpec([model.layer, model.name], deps=_deps(model),
                        group_name=GROUP, kinds={"duckdb", "sql"}, automation_condition=automation,
                        freshness_policy=fresh if model.layer == "marts" else None,
                        description=f"Table {model.table}, built by warehouse/models/{model.layer}/{model.name}.sql.")


def _early_specs(models: list[Model], fresh: dg.FreshnessPolicy) -> list[dg.AssetSpec]:
    automation = after_sources()
    return [*(dg.AssetSpec(key, group_name=GROUP, kinds={"duckdb"}, description=doc)
              for key, (_, _, doc) in CONFIG_TABLES.items()),
            *(_model_spec(m, automation, fresh) for m in models)]


def _late_specs(models: list[Model], fresh: dg.FreshnessPolicy) -> list[dg.AssetSpec]:
    automation = after_sources()
    return [*(_model_spec(m, automation, fresh) for m in models),
            dg.AssetSpec(VIEWS_KEY, deps=_deps(VIEWS_MODEL), group_name=GROUP, kinds={"duckdb"},
                         automation_condition=automation, freshness_policy=fresh, description=PUBLIC_VIEWS_DOC)]


def _check_spec(check: CheckSpec) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(check.name, asset=dg.AssetKey(check.asset.split("/")), description=check.description)


def _checks_for(specs: list[dg.AssetSpec], checks: list[CheckSpec]) -> list[CheckSpec]:
    keys = {spec.key for spec in specs}
    return [c for c in checks if dg.AssetKey(c.asset.split("/")) in keys]


def _build(context: dg.AssetExecutionContext, warehouse: WarehouseResource, models: list[Model],
           checks: list[CheckSpec]):
    selected = context.selected_asset_keys
    with warehouse.connection() as con:
        for key, (table, load, _) in CONFIG_TABLES.items():
            if key in selected:
                rows = replace_table(con, table, load())
                yield dg.MaterializeResult(asset_key=key, metadata={"dagster/row_count": rows})
        built_from = fingerprints(con, models)
        chosen = [m for m in models if dg.AssetKey([m.layer, m.name]) in selected]
        context.log.info(f"models: {len(chosen)} selected, each rebuilt when what it reads changed")
        # rebuilt is false when what a model reads (its SQL, sources, config, other models) is as it was
        for model, rows, rebuilt in build_models(con, chosen, built_from, up_to_date(con, built_from)):
            yield dg.MaterializeResult(asset_key=dg.AssetKey([model.layer, model.name]),
                                       metadata={"dagster/row_count": rows, "rebuilt": rebuilt})
        if VIEWS_KEY in selected:
            create_public_views(con)
            yield dg.MaterializeResult(asset_key=VIEWS_KEY)
        selected_checks = [c for c in checks if dg.AssetCheckKey(dg.AssetKey(c.asset.split("/")), c.name)
                           in context.selected_asset_check_keys]
        results = record_checks(con, [run_check(con, c) for c in selected_checks], context.run.run_id)
        record_source_run(con, names.METRICS, context.run.run_id, {"models_selected": len(selected)})
        yield from results


@dg.definitions
def defs() -> dg.Definitions:
    """The models as warehouse/models holds them, with the freshness the settings say, when the definitions load
    (not when this module is imported). The models that read the risk step's scores, and the public views, are a
    second step after it: one multi-asset holding models on both sides of that step would make a cycle of steps."""
    models = in_build_order(discover())
    late = after_steps(models)
    fresh = marts_freshness(settings.current().freshness_hours)
    checks = checks_of(models)
    early_specs, late_specs = _early_specs([m for m in models if m not in late], fresh), _late_specs(late, fresh)
    early_checks, late_checks = _checks_for(early_specs, checks), _checks_for(late_specs, checks)

    @dg.multi_asset(specs=early_specs, check_specs=[_check_spec(c) for c in early_checks], can_subset=True,
                    name="metrics")
    def metrics(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        yield from _build(context, warehouse, models, early_checks)

    @dg.multi_asset(specs=late_specs, check_specs=[_check_spec(c) for c in late_checks], can_subset=True,
                    name="metrics_after_risk")
    def metrics_after_risk(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        yield from _build(context, warehouse, models, late_checks)

    return dg.Definitions(assets=[metrics, metrics_after_risk])
