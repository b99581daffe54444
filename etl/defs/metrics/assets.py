"""Metrics domain: the config mappings, the SQL models under warehouse/models (staging -> marts), and the
public views. Model assets are made from the SQL files; each follows its inputs automatically."""

import dagster as dg

from etl.defs.resources import WarehouseResource
from etl.models import Model, create_public_views, discover
from etl.taxonomy import module_rules_table, replace_table, risk_taxonomy_table

GROUP = "metrics"
CORE_REPORTS = dg.AssetKey(["core", "reports"])


def _preview(con, table: str, limit: int = 5) -> dg.MetadataValue:
    frame = con.execute(f"select * from {table} limit {limit}").df()
    return dg.MetadataValue.md(frame.to_markdown(index=False) if len(frame) else "(empty)")


@dg.asset(key=["config", "module_rules"], group_name=GROUP, kinds={"duckdb"},
          description="Path rules to canonical modules, from warehouse/config/module_rules.csv.")
def module_rules(warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connection() as con:
        rows = replace_table(con, "config.module_rules", module_rules_table())
    return dg.MaterializeResult(metadata={"dagster/row_count": rows})


@dg.asset(key=["config", "risk_taxonomy"], group_name=GROUP, kinds={"duckdb"},
          description="Risk-flag keywords to canonical flags, from warehouse/config/risk_taxonomy.csv.")
def risk_taxonomy(warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connection() as con:
        rows = replace_table(con, "config.risk_taxonomy", risk_taxonomy_table())
    return dg.MaterializeResult(metadata={"dagster/row_count": rows})


def _dependency(schema: str, table: str) -> dg.AssetKey:
    # Every core table is written by the core/reports asset.
    return CORE_REPORTS if schema == "core" else dg.AssetKey([schema, table])


def model_asset(model: Model) -> dg.AssetsDefinition:
    @dg.asset(
        key=[model.layer, model.name],
        deps=sorted({_dependency(*ref) for ref in model.references()}, key=str),
        group_name=GROUP,
        kinds={"duckdb", "sql"},
        description=f"Table {model.table}, built by warehouse/models/{model.layer}/{model.name}.sql.",
        automation_condition=dg.AutomationCondition.eager(),
    )
    def build(warehouse: WarehouseResource) -> dg.MaterializeResult:
        with warehouse.connection() as con:
            rows = model.build(con)
            preview = _preview(con, model.table)
        return dg.MaterializeResult(metadata={"dagster/row_count": rows, "preview": preview})

    return build


MODELS = discover()
model_assets = [model_asset(model) for model in MODELS]


@dg.asset(
    key=["public", "views"],
    deps=[dg.AssetKey(["staging", "reports"]), *(dg.AssetKey([m.layer, m.name]) for m in MODELS if m.layer == "marts")],
    group_name=GROUP,
    kinds={"duckdb"},
    description="The public SQL contract: pull_requests, pr_reports, pr_files, pr_reviews, pr_risk_flags, "
                "pr_links, regression_chains, module_risk, weekly_trends, weekly_flag_counts, quarantine.",
    automation_condition=dg.AutomationCondition.eager(),
)
def public_views(warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connection() as con:
        create_public_views(con)
        views = [r[0] for r in con.execute(
            "select view_name from duckdb_views() where schema_name = 'main' and not internal order by 1").fetchall()]
    return dg.MaterializeResult(metadata={"views": dg.MetadataValue.json(views)})
