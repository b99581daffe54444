"""The deployment configuration (pr_atlas.toml at the project root, or $PR_ATLAS_CONFIG), with each
setting overridable by its environment variable. Read afresh on every call: it is a few hundred bytes, and
an edited file then takes effect without a restart of whatever reads it."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "pr_atlas.toml"


@dataclass(frozen=True)
class RepoConfig:
    name: str
    github: bool = True
    git_clone: str = ""


@dataclass(frozen=True)
class WarehouseConfig:
    database: str
    lake_data_path: str = ""


@dataclass(frozen=True)
class Config:
    path: Path
    warehouse: WarehouseConfig
    repos: tuple[RepoConfig, ...]
    github_api_url: str = "https://api.github.com"
    github_history_start: str = "2024-01-01"
    github_window: str = "month"
    report_site: str = ""
    reports: tuple[str, ...] = ()
    default_repo: str = "sgl-project/sglang"
    daily_cron: str = "0 5 * * *"
    timezone: str = "UTC"
    drop_folder: Path = field(default=PROJECT_ROOT / "warehouse" / "inbox")
    drop_poll_seconds: int = 30
    drop_max_files_per_run: int = 500
    freshness_hours: float = 36
    max_retries: int = 3
    retry_delay_seconds: float = 30
    address: str = "localhost"
    dagster_port: int = 3000
    dashboard_port: int = 8501

    @property
    def repo_names(self) -> list[str]:
        return [r.name for r in self.repos]

    @property
    def github_repos(self) -> list[str]:
        return [r.name for r in self.repos if r.github]

    @property
    def git_clones(self) -> list[str]:
        return [f"{r.name}={r.git_clone}" for r in self.repos if r.git_clone]


GITHUB_WINDOWS = ("month", "week", "day")


def _split(value: str) -> list[str]:
    return [part for part in value.replace(",", " ").split() if part]


def load_config(path: str | os.PathLike | None = None) -> Config:
    path = Path(path or os.environ.get("PR_ATLAS_CONFIG") or DEFAULT_CONFIG).expanduser().resolve()
    data = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    env = os.environ.get
    here = path.parent

    def local(value: str) -> str:
        """A relative path in the file is relative to the file."""
        return str((here / value).resolve()) if value and "://" not in value and not value.startswith(
            ("ducklake:", "/")) else value

    warehouse = data.get("warehouse", {})
    database = env("PR_ATLAS_DB") or warehouse.get("database") or "warehouse/pr_atlas.duckdb"
    if database.startswith("ducklake:sqlite:"):
        database = "ducklake:sqlite:" + local(database[len("ducklake:sqlite:"):])
    repos = [RepoConfig(r["name"], bool(r.get("github", True)), local(r.get("git_clone", "")))
             for r in data.get("repos", [])]
    # Repos named only in the environment are collected from GitHub / from their clone.
    for name in _split(env("PR_ATLAS_GITHUB_REPOS", "")):
        if name not in [r.name for r in repos]:
            repos.append(RepoConfig(name, github=True))
    for spec in _split(env("PR_ATLAS_GIT_CLONES", "")):
        name, _, clone = spec.partition("=")
        if clone:
            repos = [r for r in repos if r.name != name] + [
                RepoConfig(name, next((r.github for r in repos if r.name == name), False), clone)]
    sources, schedule = data.get("sources", {}), data.get("schedule", {})
    drop, fresh, ports = data.get("drop_folder", {}), data.get("freshness", {}), data.get("ports", {})
    retries = data.get("retries", {})
    reports = env("PR_ATLAS_REPORTS")
    window = env("PR_ATLAS_GITHUB_WINDOW") or sources.get("github_window", "month")
    if window not in GITHUB_WINDOWS:
        raise ValueError(f"{path}: github_window must be one of {', '.join(GITHUB_WINDOWS)}, not {window!r}")
    return Config(
        path=path,
        warehouse=WarehouseConfig(database=local(database) if not database.startswith("ducklake:") else database,
                                  lake_data_path=local(env("PR_ATLAS_LAKE_DATA_PATH")
                                                       or warehouse.get("lake_data_path", ""))),
        repos=tuple(repos),
        github_api_url=env("GITHUB_API_URL") or sources.get("github_api_url") or "https://api.github.com",
        github_history_start=str(env("PR_ATLAS_GITHUB_HISTORY_START") or sources.get("github_history_start")
                                 or "2024-01-01"),
        github_window=window,
        report_site=env("PR_ATLAS_REPORT_SITE") or sources.get("report_site", ""),
        reports=tuple([p for p in reports.split(os.pathsep) if p.strip()] if reports is not None
                      else [local(p) for p in sources.get("reports", [])]),
        default_repo=env("PR_ATLAS_DEFAULT_REPO") or sources.get("default_repo") or "sgl-project/sglang",
        daily_cron=env("PR_ATLAS_SCHEDULE_CRON") or schedule.get("daily_collection", "0 5 * * *"),
        timezone=env("PR_ATLAS_SCHEDULE_TIMEZONE") or schedule.get("timezone", "UTC"),
        drop_folder=Path(local(env("PR_ATLAS_DROP_FOLDER") or drop.get("path", "warehouse/inbox"))),
        drop_poll_seconds=int(env("PR_ATLAS_DROP_POLL_SECONDS") or drop.get("poll_seconds", 30)),
        drop_max_files_per_run=int(drop.get("max_files_per_run", 500)),
        freshness_hours=float(env("PR_ATLAS_FRESHNESS_HOURS") or fresh.get("marts_hours", 36)),
        max_retries=int(retries.get("max_retries", 3)),
        retry_delay_seconds=float(retries.get("delay_seconds", 30)),
        address=env("PR_ATLAS_ADDRESS") or ports.get("address", "localhost"),
        dagster_port=int(env("PR_ATLAS_DAGSTER_PORT") or ports.get("dagster", 3000)),
        dashboard_port=int(env("PR_ATLAS_DASHBOARD_PORT") or ports.get("dashboard", 8501)),
    )
