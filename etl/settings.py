"""The one settings object: pr_atlas.toml (or $PR_ATLAS_CONFIG), overridden by environment variables,
overridden by the command line. pydantic-settings does the merging, parsing and validation.

`current()` is built once per process; the CLI replaces it with one carrying its flags (`use()`), and
everything else receives it explicitly from there: resources, the lake, the run plan, the dashboards.

Each setting has one name: the field, its key in the file (under its section) and its environment variable
(PR_ATLAS_ and the name in capitals) say the same, except the file's own place (PR_ATLAS_CONFIG), the GitHub token
(GITHUB_TOKEN, read from the environment only) and Dagster's home (DAGSTER_HOME). Relative paths in the file are
relative to the file; in the environment or on the command line, to the working directory."""

from __future__ import annotations

import os
import tomllib
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from .paths import PROJECT_ROOT

# A checkout's own pr_atlas.toml; an installed wheel reads the one in the working directory.
DEFAULT_CONFIG_FILE = PROJECT_ROOT / "pr_atlas.toml" if (PROJECT_ROOT / "pr_atlas.toml").exists() \
    else Path("pr_atlas.toml").resolve()
PATH_SETTINGS = ("database", "lake_data_path", "drop_folder", "reports")  # resolved against their origin


def _setting(default: Any, *, toml: str, env: str, description: str, **kwargs) -> Any:
    """A field with its TOML path and its environment variable (also accepted by field name, for the CLI)."""
    return Field(default, validation_alias=AliasChoices(env, _field_alias(toml)), description=description,
                 json_schema_extra={"toml": toml, "env": env}, **kwargs)


def _field_alias(toml: str) -> str:
    """The key the TOML source hands over: its dotted path with underscores (never an env var's name)."""
    return "toml:" + toml


class Repo(BaseModel):
    name: str
    github: bool = True  # collect its pull requests, files and reviews from the GitHub API
    git_clone: str = ""  # a local clone to read its history from


def _words(value: Any) -> Any:
    """`a/b c/d` or `a/b,c/d` from the environment; a list from the file or the CLI stays a list."""
    return [part for part in value.replace(",", " ").split() if part] if isinstance(value, str) else value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(populate_by_name=True, extra="ignore", frozen=True, case_sensitive=True)

    config_file: Path = Field(DEFAULT_CONFIG_FILE, validation_alias=AliasChoices("PR_ATLAS_CONFIG", "config_file"),
                              description="The TOML file read for the settings below.")
    # [warehouse]
    database: str = _setting("warehouse/pr_atlas.duckdb", toml="warehouse.database", env="PR_ATLAS_DATABASE",
                             description="A DuckDB file, or ducklake:sqlite:<path> / ducklake:postgres:<dsn>.")
    lake_data_path: str = _setting("", toml="warehouse.lake_data_path", env="PR_ATLAS_LAKE_DATA_PATH",
                                   description="Where DuckLake writes its Parquet files (default: beside a "
                                               "SQLite catalog).")
    memory_limit: str = _setting("", toml="warehouse.memory_limit", env="PR_ATLAS_MEMORY_LIMIT",
                                 description="DuckDB's memory_limit for writers, e.g. 512MB (default: DuckDB's).")
    # [[repos]] and what the environment adds to them
    repos: list[Repo] = _setting([], toml="repos", env="PR_ATLAS_REPOS",
                                 description="The repos collected: name, github, git_clone.")
    extra_github_repos: Annotated[list[str], NoDecode] = _setting(
        [], toml="sources.extra_github_repos", env="PR_ATLAS_EXTRA_GITHUB_REPOS",
        description="More repos collected from GitHub (space or comma separated).")
    extra_git_clones: Annotated[list[str], NoDecode] = _setting(
        [], toml="sources.extra_git_clones", env="PR_ATLAS_EXTRA_GIT_CLONES",
        description="More clones as OWNER/REPO=PATH (space or comma separated).")
    # [sources]
    github_api_url: str = _setting("https://api.github.com", toml="sources.github_api_url",
                                   env="PR_ATLAS_GITHUB_API_URL",
                                   description="The GitHub REST API; the token is sent to this host only.")
    github_api: Literal["graphql", "rest"] = _setting(
        "graphql", toml="sources.github_api", env="PR_ATLAS_GITHUB_API",
        description="How pull requests are collected: GitHub's GraphQL API (a fraction of the rate limit per PR) or "
                    "its REST API (for a server without GraphQL).")
    github_token: SecretStr | None = _setting(None, toml="-", env="GITHUB_TOKEN", exclude=True,
                                              description="Read from the environment only; never stored.")
    github_history_start: str = _setting("2024-01-01", toml="sources.github_history_start",
                                         env="PR_ATLAS_GITHUB_HISTORY_START",
                                         description="The first GitHub window collected.")
    github_window: Literal["month", "week", "day"] = _setting(
        "month", toml="sources.github_window", env="PR_ATLAS_GITHUB_WINDOW",
        description="The size of a GitHub collection window.")
    report_site: str = _setting("", toml="sources.report_site", env="PR_ATLAS_REPORT_SITE",
                                description="<site>/<owner>/<repo>/pull/<n>/report.md")
    reports: Annotated[list[str], NoDecode] = _setting(
        [], toml="sources.reports", env="PR_ATLAS_REPORTS",
        description="Report folders, files or URLs read by every run (the OS path separator between them).")
    include_sample: bool | None = _setting(None, toml="sources.include_sample", env="PR_ATLAS_INCLUDE_SAMPLE",
                                           description="Also ingest the bundled sample reports (default: only "
                                                       "when no reports are configured).")
    default_repo: str = _setting("sgl-project/sglang", toml="sources.default_repo", env="PR_ATLAS_DEFAULT_REPO",
                                 description="The repo of reports that name none.")
    # [schedule]
    daily_collection: str = _setting("0 5 * * *", toml="schedule.daily_collection", env="PR_ATLAS_DAILY_COLLECTION",
                               description="When every repo is collected.")
    timezone: str = _setting("UTC", toml="schedule.timezone", env="PR_ATLAS_TIMEZONE",
                             description="The time zone of daily_collection.")
    # [risk]
    retrain_every: Literal["month", "quarter"] = _setting(
        "month", toml="risk.retrain_every", env="PR_ATLAS_RETRAIN_EVERY",
        description="How often the regression-risk model of a repo gets a new version: each is trained on the PRs "
                    "whose 90-day outcome was known when the month (or quarter) began, and scores the PRs merged "
                    "in it.")
    # [inbox]
    drop_folder: str = _setting("warehouse/inbox", toml="inbox.drop_folder", env="PR_ATLAS_DROP_FOLDER",
                                description="Report files put here are ingested within a poll.")
    drop_poll_seconds: int = _setting(30, toml="inbox.drop_poll_seconds", env="PR_ATLAS_DROP_POLL_SECONDS",
                                      description="How often the drop folder is looked at.", ge=1)
    drop_max_files_per_run: int = _setting(500, toml="inbox.drop_max_files_per_run",
                                           env="PR_ATLAS_DROP_MAX_FILES_PER_RUN",
                                           description="A burst of files becomes runs of at most this many.", ge=1)
    # [retries]
    max_retries: int = _setting(3, toml="retries.max_retries", env="PR_ATLAS_MAX_RETRIES",
                                description="How often a failed collector step is tried again.", ge=0)
    retry_delay_seconds: float = _setting(30, toml="retries.retry_delay_seconds", env="PR_ATLAS_RETRY_DELAY_SECONDS",
                                          description="The first wait before a retry (then doubled).", ge=0)
    # [freshness]
    freshness_hours: float = _setting(36, toml="freshness.freshness_hours", env="PR_ATLAS_FRESHNESS_HOURS",
                                      description="Marts older than this are stale.", gt=0)
    # [ports]
    address: str = _setting("localhost", toml="ports.address", env="PR_ATLAS_ADDRESS",
                            description="Where the web UIs listen.")
    dagster_port: int = _setting(3000, toml="ports.dagster_port", env="PR_ATLAS_DAGSTER_PORT",
                                 description="Dagster's web UI.")
    dashboard_port: int = _setting(8501, toml="ports.dashboard_port", env="PR_ATLAS_DASHBOARD_PORT",
                                   description="The Streamlit dashboards.")

    dagster_home: str = _setting("", toml="-", env="DAGSTER_HOME",
                                 description="The Dagster instance folder (default: the config file's folder).")

    @field_validator("extra_github_repos", "extra_git_clones", mode="before")
    @classmethod
    def _split_words(cls, value: Any) -> Any:
        return _words(value)

    @field_validator("reports", mode="before")
    @classmethod
    def _split_paths(cls, value: Any) -> Any:
        return [p for p in value.split(os.pathsep) if p.strip()] if isinstance(value, str) else value

    @field_validator("database", "lake_data_path", "drop_folder", mode="after")
    @classmethod
    def _absolute(cls, value: str) -> str:
        return _resolve(value, Path.cwd())

    @field_validator("reports", mode="after")
    @classmethod
    def _absolute_all(cls, value: list[str]) -> list[str]:
        return [_resolve(v, Path.cwd()) for v in value]

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings,
                                   file_secret_settings) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, TomlFile(settings_cls, init_settings, env_settings)

    @classmethod
    def load(cls, config_file: str | os.PathLike | None = None, **overrides: Any) -> Settings:
        """The file (default: $PR_ATLAS_CONFIG, else pr_atlas.toml), the environment, then `overrides`
        (the command line's flags; None means not given)."""
        given = {k: v for k, v in overrides.items() if v is not None}
        if config_file is not None:
            given["config_file"] = Path(config_file)
        return cls(**given)

    # What the rest of the code asks, derived from the fields above.

    @cached_property
    def all_repos(self) -> tuple[Repo, ...]:
        """The file's repos, then those the environment names: GitHub repos, then clones (which replace the
        clone of a repo the file names)."""
        repos = {r.name: r for r in self.repos}
        for name in self.extra_github_repos:
            repos.setdefault(name, Repo(name=name, github=True))
        for spec in self.extra_git_clones:
            name, _, clone = spec.partition("=")
            if clone:
                old = repos.pop(name, None)
                repos[name] = Repo(name=name, github=old.github if old else False,
                                   git_clone=_resolve(clone, Path.cwd()))
        return tuple(repos.values())

    @property
    def repo_names(self) -> list[str]:
        return [r.name for r in self.all_repos]

    @property
    def github_repos(self) -> list[str]:
        return [r.name for r in self.all_repos if r.github]

    @property
    def git_clones(self) -> list[str]:
        return [f"{r.name}={r.git_clone}" for r in self.all_repos if r.git_clone]

    @property
    def instance_home(self) -> Path:
        """Where the project's Dagster instance (dagster.yaml, .dagster/) lives."""
        return Path(self.dagster_home).resolve() if self.dagster_home else Path(self.config_file).resolve().parent

    @property
    def ingest_sample(self) -> bool:
        return not self.reports if self.include_sample is None else self.include_sample


def _resolve(value: str, base: Path) -> str:
    """A local path made absolute against `base`; URLs, DuckLake targets and "" are left as they are."""
    if not value or "://" in value:
        return value
    if value.startswith("ducklake:"):
        prefix = "ducklake:sqlite:"
        return prefix + _resolve(value[len(prefix):], base) if value.startswith(prefix) else value
    folder = "/" if value.endswith("/") else ""  # DuckLake reads a data path with "/" as a folder
    return str((base / Path(value).expanduser()).resolve()) + folder


class TomlFile(PydanticBaseSettingsSource):
    """The settings file, with its relative paths made absolute against the file's folder."""

    def __init__(self, settings_cls, init_settings, env_settings) -> None:
        super().__init__(settings_cls)
        given, env = init_settings(), env_settings()
        # (pydantic-settings hands init arguments over under the field's first alias)
        chosen = (given.get("config_file") or given.get("PR_ATLAS_CONFIG") or env.get("PR_ATLAS_CONFIG")
                  or env.get("config_file"))
        self.path = Path(chosen or DEFAULT_CONFIG_FILE).expanduser().resolve()

    def get_field_value(self, field, field_name):  # required by the base class; __call__ does the work
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        if not self.path.exists():
            return {"config_file": self.path}
        try:
            data = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{self.path}: {exc}") from None
        found: dict[str, Any] = {"config_file": self.path}
        for name, field in self.settings_cls.model_fields.items():
            where = (field.json_schema_extra or {}).get("toml")
            if not where or where == "-":
                continue
            value: Any = data
            for part in where.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            if value is None:
                continue
            if name in PATH_SETTINGS:
                value = ([_resolve(v, self.path.parent) for v in value] if isinstance(value, list)
                         else _resolve(str(value), self.path.parent))
            if name == "repos":
                value = [{**r, "git_clone": _resolve(r.get("git_clone", ""), self.path.parent)} for r in value]
            found[_field_alias(where)] = value
        return found


_current: Settings | None = None


def current() -> Settings:
    """This process's settings, built on first use."""
    global _current
    if _current is None:
        _current = Settings.load()
    return _current


def use(settings: Settings | None) -> Settings | None:
    """Make `settings` this process's (the CLI with its flags, a test); returns the previous ones. None
    forgets them, so the next `current()` reads the file and the environment again."""
    global _current
    previous, _current = _current, settings
    return previous
