"""Metrics domain: the config mappings, the SQL models under warehouse/models (intermediate -> marts), and the
public views, as one subsettable multi-asset (like dagster-dbt): one Dagster step builds whichever models
are selected, in dependency order, and then runs their checks. Each model is still its own asset."""

import dagster as dg

from etl import names, settings
from etl.defs.resources import WarehouseResource
from etl.defs.run_log import record_checks, record_source_run
from etl.models import PUBLIC_VIEWS as PUBLIC_VIEWS_SQL
from etl.models import (
    Model,
    build_models,
    create_public_views,
    discover,
    in_build_order,
    inputs_fingerprint,
    up_to_date,
)
from etl.taxonomy import module_rules_table, replace_table, risk_taxonomy_table

from ..keys import PUBLIC_VIEWS, staging_table_owner
from ..partitions import after_sources, marts_freshness
from .checks import CHECKS, CheckSpec, run_check

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


def _key(schema: str, table: str) -> dg.AssetKey:
    return staging_table_owner(table) if schema == "staging" else dg.AssetKey([schema, table])


MODELS = in_build_order(discover())
VIEWS_MODEL = Model("main", "public_views", PUBLIC_VIEWS_SQL)  # read for what the views select from


def _asset_specs() -> list[dg.AssetSpec]:
    # Built in a function: the defs loader would otherwise also pick up a module-level list of specs.
    automation = after_sources()
    fresh = marts_freshness(settings.current().freshness_hours)
    return [
    *(dg.AssetSpec(key, group_name=GROUP, kinds={"duckdb"}, description=doc)
      for key, (_, _, doc) in CONFIG_TABLES.items()),
    *(dg.AssetSpec([m.layer, m.name], deps=sorted({_key(*r) for r in m.references()}, key=str), group_name=GROUP,
                   kinds={"duckdb", "sql"}, automation_condition=automation,
                   freshness_policy=fresh if m.layer == "marts" else None,
                   description=f"Table {m.table}, built by warehouse/models/{m.layer}/{m.name}.sql.")
      for m in MODELS),
    dg.AssetSpec(VIEWS_KEY, deps=sorted({_key(*r) for r in VIEWS_MODEL.references()}, key=str),
                 group_name=GROUP, kinds={"duckdb"}, automation_condition=automation, freshness_policy=fresh,
                 description=PUBLIC_VIEWS_DOC),
    ]


def _check_spec(check: CheckSpec) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(check.name, asset=dg.AssetKey(check.asset.split("/")), description=check.description)


@dg.multi_asset(specs=_asset_specs(), check_specs=[_check_spec(c) for c in CHECKS], can_subset=True, name="metrics")
def metrics(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    selected = context.selected_asset_keys
    with warehouse.connection() as con:
        for key, (table, load, _) in CONFIG_TABLES.items():
            if key in selected:
                rows = replace_table(con, table, load())
                yield dg.MaterializeResult(asset_key=key, metadata={"dagster/row_count": rows})
        fingerprint = inputs_fingerprint(con)
        chosen = [m for m in MODELS if dg.AssetKey([m.layer, m.name]) in selected]
        context.log.info(f"models: {len(chosen)} selected, each rebuilt when its inputs changed")
        # rebuilt is false when reports, SQL and config are as they were at the last build
        for model, rows, rebuilt in build_models(con, chosen, fingerprint, up_to_date(con, fingerprint)):
            yield dg.MaterializeResult(asset_key=dg.AssetKey([model.layer, model.name]),
                                       metadata={"dagster/row_count": rows, "rebuilt": rebuilt})
        if VIEWS_KEY in selected:
            create_public_views(con)
            yield dg.MaterializeResult(asset_key=VIEWS_KEY)
        selected_checks = [c for c in CHECKS if dg.AssetCheckKey(dg.AssetKey(c.asset.split("/")), c.name)
                           in context.selected_asset_check_keys]
        results = record_checks(con, [run_check(con, c) for c in selected_checks], context.run.run_id)
        record_source_run(con, names.METRICS, context.run.run_id, {"models_selected": len(selected)})
        yield from results
