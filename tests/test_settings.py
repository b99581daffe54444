"""Every documented setting changes what it names: read from pr_atlas.toml, overridden by its environment
variable, and observed where it acts (resources, the lake, the run plan, the schedules and sensors, the
services), not only in the settings object."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime

import dagster as dg
import pytest
from pydantic import ValidationError

from etl import settings
from etl.db import connect
from etl.defs.operations import plan
from etl.defs.resources import resources_from
from etl.serve import services
from etl.settings import Settings

from .conftest import PROJECT_ROOT, cli_env

FIELDS = {name: field.json_schema_extra for name, field in Settings.model_fields.items()
          if field.json_schema_extra}


def test_every_setting_is_documented_in_pr_atlas_toml_with_its_variable():
    text = (PROJECT_ROOT / "pr_atlas.toml").read_text(encoding="utf-8")
    for name, where in FIELDS.items():
        assert where["env"] in text, name
        if where["toml"] not in ("-", "repos") and not where["toml"].startswith("sources.extra_"):
            section, key = where["toml"].rsplit(".", 1)
            assert f"[{section}]" in text and re.search(rf"^(# )?{key} =", text, re.M), where["toml"]


def test_the_file_is_read_relative_to_itself_and_the_environment_wins(tmp_path, monkeypatch):
    config = tmp_path / "conf" / "pr_atlas.toml"
    config.parent.mkdir()
    config.write_text('[warehouse]\ndatabase = "w.duckdb"\n[sources]\ndefault_repo = "file/repo"\n'
                      'reports = ["reports"]\n[inbox]\ndrop_folder = "inbox"\n', encoding="utf-8")
    monkeypatch.setenv("PR_ATLAS_CONFIG", str(config))
    chosen = Settings.load()
    assert chosen.database == str(tmp_path / "conf" / "w.duckdb")
    assert chosen.reports == [str(tmp_path / "conf" / "reports")]
    assert chosen.drop_folder == str(tmp_path / "conf" / "inbox")
    assert chosen.default_repo == "file/repo"
    monkeypatch.setenv("PR_ATLAS_DEFAULT_REPO", "env/repo")
    assert Settings.load().default_repo == "env/repo"
    assert Settings.load(default_repo="cli/repo").default_repo == "cli/repo"  # the command line wins over both


def test_a_bad_value_is_refused_with_its_variable_named(monkeypatch):
    monkeypatch.setenv("PR_ATLAS_GITHUB_WINDOW", "year")
    with pytest.raises(ValidationError, match="PR_ATLAS_GITHUB_WINDOW"):
        Settings.load()


RESOURCE_SETTINGS = [  # (variable, value, what the resources then hold)
    ("PR_ATLAS_DATABASE", "/tmp/elsewhere.duckdb", lambda r: r["warehouse"].database),
    ("PR_ATLAS_LAKE_DATA_PATH", "/tmp/lake-files/", lambda r: r["warehouse"].lake_data_path),
    ("PR_ATLAS_MEMORY_LIMIT", "300MB", lambda r: r["warehouse"].memory_limit),
    ("PR_ATLAS_EXTRA_GITHUB_REPOS", "acme/one acme/two", lambda r: " ".join(r["github_api"].repos)),
    ("PR_ATLAS_EXTRA_GIT_CLONES", "acme/one=/tmp/clone", lambda r: " ".join(r["git_history"].clones)),
    ("PR_ATLAS_GITHUB_API_URL", "http://127.0.0.1:9/api", lambda r: r["github_api"].api_url),
    ("PR_ATLAS_GITHUB_API", "graphql", lambda r: r["github_api"].api),  # the test configuration says rest
    ("PR_ATLAS_REPORT_SITE", "http://127.0.0.1:9/site", lambda r: r["report_site"].base_url),
    ("PR_ATLAS_REPORTS", "/tmp/a:/tmp/b", lambda r: ":".join(r["report_sources"].locations)),
    ("PR_ATLAS_DEFAULT_REPO", "acme/default", lambda r: r["report_sources"].default_repo),
]


@pytest.mark.parametrize(("variable", "value", "observe"), RESOURCE_SETTINGS, ids=[s[0] for s in RESOURCE_SETTINGS])
def test_a_setting_reaches_the_resources(monkeypatch, variable, value, observe):
    before = observe(resources_from(Settings.load()))
    monkeypatch.setenv(variable, value)
    after = observe(resources_from(Settings.load()))
    assert after != before and after == value


def test_include_sample_and_the_token_reach_the_resources(monkeypatch):
    assert resources_from(Settings.load())["report_sources"].include_sample  # no reports configured: on
    monkeypatch.setenv("PR_ATLAS_INCLUDE_SAMPLE", "false")
    assert not resources_from(Settings.load())["report_sources"].include_sample
    assert resources_from(Settings.load())["github_api"].token is None
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_" + "x" * 36)
    token = resources_from(Settings.load())["github_api"].token
    assert isinstance(token, dg.EnvVar) and "x" * 36 not in repr(Settings.load())  # read at run time only


def test_github_api_defaults_to_graphql_which_needs_a_token(tmp_path, monkeypatch, con):
    monkeypatch.setenv("PR_ATLAS_CONFIG", str(tmp_path / "absent.toml"))  # no file: the defaults
    assert Settings.load().github_api == "graphql"
    monkeypatch.setenv("PR_ATLAS_GITHUB_API", "soap")
    with pytest.raises(ValidationError, match="PR_ATLAS_GITHUB_API"):
        Settings.load()
    monkeypatch.setenv("PR_ATLAS_GITHUB_API", "graphql")
    chosen = resources_from(Settings.load())["github_api"]
    _, collector, store = chosen.collection(con, "run", lambda _line: None)
    assert (type(collector).__name__, type(store).__name__) == ("GitHubCollector", "GitHubStore")  # no token
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_" + "x" * 36)
    token = resources_from(Settings.load())["github_api"].model_copy(update={"token": "ghp_" + "x" * 36})
    _, collector, store = token.collection(con, "run", lambda _line: None)
    assert (type(collector).__name__, type(store).__name__) == ("GraphQLCollector", "GraphQLGitHubStore")
    assert collector.endpoint == "https://api.github.com/graphql"


def test_memory_limit_and_lake_data_path_act_on_the_warehouse(tmp_path, monkeypatch):
    monkeypatch.setenv("PR_ATLAS_MEMORY_LIMIT", "300MB")
    monkeypatch.setenv("PR_ATLAS_LAKE_DATA_PATH", str(tmp_path / "parquet") + "/")
    monkeypatch.setenv("PR_ATLAS_DATABASE", f"ducklake:sqlite:{tmp_path / 'lake.sqlite'}")
    warehouse = resources_from(Settings.load())["warehouse"]
    with warehouse.connection() as con:
        limit = con.execute("select current_setting('memory_limit')").fetchone()[0]
        assert limit.replace(" ", "") in ("286.1MiB", "300.0MB", "286.1MB")
        con.execute("create table main.probe as select 1 as x")
    assert list((tmp_path / "parquet").rglob("*.parquet"))  # the files went where the setting says
    with connect(warehouse.database, read_only=True) as con:
        assert con.execute("select x from main.probe").fetchone() == (1,)


def test_drop_folder_settings_shape_the_runs(tmp_path, monkeypatch):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for n in range(5):
        (inbox / f"r{n}.md").write_text(f"# report {n}\n", encoding="utf-8")
    monkeypatch.setenv("PR_ATLAS_DATABASE", str(tmp_path / "w.duckdb"))
    assert plan.report_file_runs(Settings.load()) == []  # the default folder holds nothing
    monkeypatch.setenv("PR_ATLAS_DROP_FOLDER", str(inbox))
    monkeypatch.setenv("PR_ATLAS_DROP_MAX_FILES_PER_RUN", "2")
    runs = plan.report_file_runs(Settings.load())
    assert [int(r.tags["pr_atlas/files"]) for r in runs] == [2, 2, 1]


def test_repos_from_the_file_shape_the_plan(tmp_path, monkeypatch):
    config = tmp_path / "pr_atlas.toml"
    config.write_text(f'[warehouse]\ndatabase = "{tmp_path / "w.duckdb"}"\n[sources]\n'
                      'github_history_start = "2026-01-01"\n[[repos]]\nname = "acme/one"\n'
                      'github = true\n[[repos]]\nname = "acme/two"\ngithub = false\ngit_clone = "clone"\n',
                      encoding="utf-8")
    monkeypatch.setenv("PR_ATLAS_CONFIG", str(config))
    chosen = Settings.load()
    assert chosen.github_repos == ["acme/one"] and chosen.git_clones == [f"acme/two={tmp_path / 'clone'}"]
    github, repos = plan.everything(chosen, datetime(2026, 3, 5))  # windows from 2026-01, as the file says
    assert [r.partition_key for r in repos] == ["acme/one", "acme/two"]
    assert [str(r.partition_key) for r in github] == ["acme/one|2026-03-01", "acme/one|2026-02-01",
                                                      "acme/one|2026-01-01"]


def test_ports_and_address_reach_the_services(monkeypatch):
    monkeypatch.setenv("PR_ATLAS_ADDRESS", "127.0.0.9")
    monkeypatch.setenv("PR_ATLAS_DAGSTER_PORT", "3999")
    monkeypatch.setenv("PR_ATLAS_DASHBOARD_PORT", "8999")
    urls = {s.name: s.url for s in services(Settings.load(), ["streamlit"])}
    assert urls["dagster-ui"] == "http://127.0.0.9:3999/server_info"
    assert urls["dashboards"] == "http://127.0.0.9:8999/_stcore/health"


def test_dagster_home_defaults_to_the_config_files_folder(tmp_path, monkeypatch):
    config = tmp_path / "pr_atlas.toml"
    config.write_text("", encoding="utf-8")
    monkeypatch.setenv("PR_ATLAS_CONFIG", str(config))
    assert Settings.load().instance_home == tmp_path
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "elsewhere"))
    assert Settings.load().instance_home == tmp_path / "elsewhere"


# What is fixed when the Dagster definitions load (partitions, schedules, sensor intervals, retry and freshness
# policies): observed in a new process, as Dagster's code server would load them.
DEFINITION_TIME = """
import json
import dagster as dg
from etl.definitions import build_definitions
from etl.defs.partitions import collector_retry, github_windows
defs = build_definitions()
GITHUB_WINDOWS, COLLECTOR_RETRY = github_windows(), collector_retry()
schedule = next(s for s in defs.schedules if s.name == "daily_github")
drop = next(s for s in defs.sensors if s.name == "report_drop_folder")
trends = defs.resolve_assets_def(dg.AssetKey(["marts", "weekly_trends"]))
print(json.dumps({"window": type(GITHUB_WINDOWS).__name__, "first": GITHUB_WINDOWS.get_first_partition_key(),
                  "retries": COLLECTOR_RETRY.max_retries, "delay": COLLECTOR_RETRY.delay,
                  "cron": schedule.cron_schedule, "timezone": schedule.execution_timezone,
                  "poll": drop.minimum_interval_seconds,
                  "freshness": str(trends.specs_by_key[dg.AssetKey(["marts", "weekly_trends"])].freshness_policy)}))
"""

DEFINITION_SETTINGS = {"PR_ATLAS_GITHUB_WINDOW": ("week", "window", "WeeklyPartitionsDefinition"),
                       "PR_ATLAS_GITHUB_HISTORY_START": ("2025-06-01", "first", "2025-06-01"),
                       "PR_ATLAS_MAX_RETRIES": ("7", "retries", 7),
                       "PR_ATLAS_RETRY_DELAY_SECONDS": ("11", "delay", 11),
                       "PR_ATLAS_DAILY_COLLECTION": ("15 3 * * *", "cron", "15 3 * * *"),
                       "PR_ATLAS_TIMEZONE": ("Asia/Shanghai", "timezone", "Asia/Shanghai"),
                       "PR_ATLAS_DROP_POLL_SECONDS": ("45", "poll", 45)}


def _definition_time(env: dict[str, str]) -> dict:
    out = subprocess.run([sys.executable, "-c", DEFINITION_TIME], cwd=PROJECT_ROOT, env={**cli_env(), **env},
                         capture_output=True, text=True, timeout=180, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_definition_time_settings_change_the_loaded_definitions():
    before = _definition_time({})
    after = _definition_time({name: value for name, (value, _, _) in DEFINITION_SETTINGS.items()}
                             | {"PR_ATLAS_FRESHNESS_HOURS": "5"})
    for name, (_, key, expected) in DEFINITION_SETTINGS.items():
        assert before[key] != expected and after[key] == expected, name
    assert before["freshness"] != after["freshness"] and "seconds=18000" in after["freshness"]


def test_the_cli_builds_the_settings_once_with_its_flags(tmp_path):
    previous = settings.use(Settings.load(database=str(tmp_path / "flag.duckdb")))
    try:
        from etl.db import warehouse_target

        assert warehouse_target() == str(tmp_path / "flag.duckdb")
    finally:
        settings.use(previous)


# The settings whose names follow other conventions: the file's own place, a secret, Dagster's home.
NAMED_ELSEWHERE = {"config_file": "PR_ATLAS_CONFIG", "github_token": "GITHUB_TOKEN", "dagster_home": "DAGSTER_HOME"}


def test_every_setting_has_one_name_in_the_field_the_file_and_the_environment():
    from etl.settings import Settings

    for name, field in Settings.model_fields.items():
        extra = field.json_schema_extra or {}
        if name in NAMED_ELSEWHERE:
            assert extra.get("env", NAMED_ELSEWHERE[name]) == NAMED_ELSEWHERE[name]
            continue
        assert extra["toml"].rsplit(".", 1)[-1] == name, (name, extra["toml"])
        assert extra["env"] == f"PR_ATLAS_{name.upper()}", (name, extra["env"])


def test_settings_used_after_the_definitions_were_imported_reach_them(tmp_path):
    """Partitions, schedules, sensor intervals, retries and freshness come from the settings in force when the
    definitions are built, not when their modules were imported (a later settings.use() reaches them)."""
    import dagster as dg

    from etl import settings
    from etl.definitions import build_definitions
    from etl.defs import partitions  # noqa: F401 (imported before the settings change)

    config = tmp_path / "pr_atlas.toml"
    config.write_text('[sources]\ngithub_window = "week"\ngithub_history_start = "2025-06-01"\n'
                      '[schedule]\ndaily_collection = "15 3 * * *"\n[inbox]\ndrop_poll_seconds = 45\n'
                      '[retries]\nmax_retries = 7\n', encoding="utf-8")
    previous = settings.use(Settings.load(config))
    try:
        defs = build_definitions()
    finally:
        settings.use(previous)
    github = defs.resolve_assets_def(dg.AssetKey(["staging", "github"]))
    windows = github.partitions_def.get_partitions_def_for_dimension("window")
    assert type(windows).__name__ == "WeeklyPartitionsDefinition"
    assert windows.get_first_partition_key() == "2025-06-01"
    assert next(s for s in defs.schedules if s.name == "daily_github").cron_schedule == "15 3 * * *"
    assert next(s for s in defs.sensors if s.name == "report_drop_folder").minimum_interval_seconds == 45
    assert defs.resolve_assets_def(dg.AssetKey(["raw", "git_logs"])).op.retry_policy.max_retries == 7
