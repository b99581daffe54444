"""Resources shared by every domain: the DuckDB warehouse and the sources it is filled from, each built
from the one settings object (etl/settings.py); the GitHub token is only ever an EnvVar."""

import re
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

import dagster as dg
import duckdb
from pydantic import Field

from etl.db import WarehouseBusy, apply_schema, connect, warehouse_target
from etl.ingest.github_graphql_store import GraphQLGitHubStore
from etl.ingest.github_store import GitHubStore
from etl.settings import Settings, current
from etl.sources.git_log import repo_from_remote
from etl.sources.github import GitHubCollector
from etl.sources.github_graphql import GraphQLCollector
from etl.sources.http import HttpClient, HttpPolicy
from etl.sources.report_files import configured_locations

GRAPHQL_READ_TIMEOUT = 30.0  # seconds; GitHub itself stops a GraphQL query after 10


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse: a DuckDB file (one writer at a time; the run queue in dagster.yaml keeps runs apart)
    or a DuckLake catalog (several writers)."""

    database: str = Field(description="DuckDB file, or ducklake:sqlite:<path> / ducklake:postgres:<dsn> "
                                      "(pr_atlas.toml [warehouse] database; env PR_ATLAS_DATABASE).")
    lake_data_path: str = Field(default="", description="Where a DuckLake writer puts its Parquet files.")
    memory_limit: str = Field(default="", description="DuckDB's memory_limit for this resource's connections.")
    lock_wait_seconds: float = Field(default=900, description="How long a writer waits for another process's "
                                                              "write lock on a DuckDB file before failing.")

    def step_memory_limit(self, step_limit: str) -> str | None:
        """A step's own cap on DuckDB's memory (etl.db.APPEND_MEMORY_LIMIT, SEARCH_MEMORY_LIMIT), unless a
        limit is configured for every connection."""
        return None if self.memory_limit else step_limit

    @contextmanager
    def connection(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        with ExitStack() as stack:
            con = self._open(stack, read_only)
            if not read_only:
                apply_schema(con)
            yield con

    def _open(self, stack: ExitStack, read_only: bool) -> duckdb.DuckDBPyConnection:
        """Wait out another writer (an ingestion started outside the run queue, say `pr-atlas ingest`)."""
        deadline = time.monotonic() + self.lock_wait_seconds
        pause = 0.2
        while True:
            try:
                return stack.enter_context(connect(warehouse_target(self.database), read_only=read_only,
                                                     lake_data_path=self.lake_data_path,
                                                     memory_limit=self.memory_limit))
            except WarehouseBusy:
                if time.monotonic() + pause > deadline:
                    raise
                time.sleep(pause)
                pause = min(pause * 2, 5.0)


class ReportSourcesResource(dg.ConfigurableResource):
    """Report folders, files and URLs to ingest, and the repo assumed for reports that name none."""

    locations: list[str] = Field(default_factory=list, description="Folders, files or report URLs.")
    include_sample: bool = Field(default=False, description="Also ingest the bundled sample reports.")
    default_repo: str | None = Field(default=None, description="Repo for reports that name none.")

    def all_locations(self) -> list[str]:
        return configured_locations(self.locations, self.include_sample)


class GitHubResource(dg.ConfigurableResource):
    """The GitHub API: which repos to collect, over which API, and how politely."""

    repos: list[str] = Field(default_factory=list, description="owner/repo names (env PR_ATLAS_EXTRA_GITHUB_REPOS).")
    api_url: str = Field(default="https://api.github.com", description="REST API base (env PR_ATLAS_GITHUB_API_URL); "
                                                                      "GraphQL is found beside it.")
    api: str = Field(default="graphql", description="graphql or rest (env PR_ATLAS_GITHUB_API); GraphQL needs a "
                                                    "token, so without one REST is used.")
    token: str | None = Field(default=None, description="Token, as EnvVar('GITHUB_TOKEN'); optional, unauthenticated "
                                                        "requests get the lower rate limit.")
    rate_limit_buffer: int = Field(default=50, description="Calls kept in reserve: below this, wait for the reset.")
    max_retries: int = Field(default=5, description="Retries per request on 5xx and connection errors.")
    timeout_seconds: float = Field(default=60.0, description="Read timeout per wait for the socket (connect: 10 s).")
    deadline_seconds: float = Field(default=HttpPolicy.deadline,
                                    description="Wall-clock limit on one whole exchange, headers and body.")

    def client(self, log: Callable[[str], None] | None = None) -> HttpClient:
        policy = HttpPolicy(timeout=(10.0, self.timeout_seconds), deadline=self.deadline_seconds,
                            max_retries=self.max_retries, rate_limit_buffer=self.rate_limit_buffer)
        return HttpClient(token=self.token, token_url=self.api_url, accept="application/vnd.github+json",
                          policy=policy, log=log)

    def collection(self, con, run_id: str, log: Callable[[str], None]):
        """(client, collector, store) for the configured API. GraphQL's client retries a broken connection
        twice and hands server errors to the collector, which bounds how long a failing server is tried
        (docs/github_collection.md)."""
        if self.api == "graphql" and self.token:
            policy = HttpPolicy(timeout=(10.0, min(self.timeout_seconds, GRAPHQL_READ_TIMEOUT)), max_retries=2,
                                deadline=self.deadline_seconds, rate_limit_buffer=self.rate_limit_buffer)
            client = HttpClient(token=self.token, token_url=self.api_url, policy=policy, log=log)
            return client, GraphQLCollector(client, self.api_url, log, self.rate_limit_buffer), \
                GraphQLGitHubStore(con, run_id=run_id)
        if self.api == "graphql":
            log("GitHub's GraphQL API needs a token (GITHUB_TOKEN): collecting over REST instead")
        client = self.client(log)
        return client, GitHubCollector(client, self.api_url, log), GitHubStore(con, run_id=run_id)


class GitHistoryResource(dg.ConfigurableResource):
    """Local clones whose history is loaded."""

    clones: list[str] = Field(default_factory=list,
                              description="PATH or OWNER/REPO=PATH (env PR_ATLAS_EXTRA_GIT_CLONES); without a repo, "
                                          "the origin remote names it.")
    default_repo: str | None = Field(default=None,
                                     description="Repo of a clone with neither a name nor a GitHub origin.")

    def clones_by_repo(self) -> list[tuple[str, str]]:
        """(repo, path) per clone."""
        found = []
        for spec in self.clones:
            named = re.match(r"^([\w.-]+/[\w.-]+)=(.+)$", spec)
            path = named.group(2) if named else spec
            repo = named.group(1) if named else repo_from_remote(path) or self.default_repo
            if not repo:
                raise ValueError(f"cannot tell which repo the clone {path} is: give it as OWNER/REPO={path}")
            found.append((repo, path))
        return found


class ReportSiteResource(dg.ConfigurableResource):
    """A site publishing reports at <base_url>/<owner>/<repo>/pull/<number>/report.md."""

    base_url: str | None = Field(default=None, description="Site root (env PR_ATLAS_REPORT_SITE); unset: not used.")
    numbers: list[int] = Field(default_factory=list, description="PR numbers to fetch, in `repo`.")
    repo: str | None = Field(default=None, description="Repo of `numbers` (default: the default repo).")
    missing_from_warehouse: bool = Field(default=True, description="Also fetch every merged PR (from GitHub or git) "
                                                                   "that has no report yet.")


class RiskModelResource(dg.ConfigurableResource):
    """How the regression-risk models are versioned over time."""

    retrain_every: str = Field(default="month", description="month | quarter: a new version of each repo's model "
                                                            "per period (env PR_ATLAS_RETRAIN_EVERY).")


def resources_from(settings: Settings) -> dict[str, dg.ConfigurableResource]:
    token = dg.EnvVar("GITHUB_TOKEN") if settings.github_token else None
    return {
        "warehouse": WarehouseResource(database=warehouse_target(settings.database),
                                       lake_data_path=settings.lake_data_path, memory_limit=settings.memory_limit),
        "report_sources": ReportSourcesResource(locations=settings.reports, include_sample=settings.ingest_sample,
                                                default_repo=settings.default_repo),
        "github_api": GitHubResource(repos=settings.github_repos, api_url=settings.github_api_url,
                                     api=settings.github_api, token=token),
        "git_history": GitHistoryResource(clones=settings.git_clones, default_repo=settings.default_repo),
        "report_site": ReportSiteResource(base_url=settings.report_site or None, repo=settings.default_repo),
        "risk_model": RiskModelResource(retrain_every=settings.retrain_every),
    }


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources=resources_from(current()))
