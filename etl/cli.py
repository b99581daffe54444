"""`pr-atlas`: ingest reports, inspect what the parser reads, and query the warehouse without the Dagster UI."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .paths import WAREHOUSE_DIR

# Each command imports what it needs when it runs: the module itself stays light, because the parser's
# worker processes import the command's main module again (multiprocessing's spawn), and DuckDB or the
# settings would cost each of them tens of MB for nothing.


def _sample_clone(target: str) -> str:
    """The bundled sample history as a clone beside the warehouse file (in warehouse/ for a DuckLake), named
    for its repo."""
    from .lake import is_lake
    from .sources.sample_history import build_sample_clone

    folder = WAREHOUSE_DIR if is_lake(target) else Path(target).parent
    return f"sgl-project/sglang={build_sample_clone(folder / 'sample_clone')}"


# Seconds from a stop signal (Ctrl-C, SIGTERM, SIGHUP) to the end of `pr-atlas ingest`, whatever it was doing.
STOP_GRACE = 7.0
STOPPED = ("pr-atlas: stopped. What was committed stays (each batch, document chunk and model is one "
           "transaction); the next run goes on from there.")


def _run_ingest_until_stopped(*args, **kwargs):
    """etl.pipeline.run_ingest, ended by Ctrl-C, SIGTERM or SIGHUP within STOP_GRACE seconds; None when it was."""
    from .pipeline import run_ingest
    from .processes import stop_requested, stops_within

    with stops_within(STOP_GRACE, STOPPED):
        try:
            return run_ingest(*args, **kwargs)
        except BaseException as exc:  # Dagster's own interrupt is a BaseException too
            if isinstance(exc, KeyboardInterrupt) or stop_requested():
                print(STOPPED, file=sys.stderr)
                return None
            raise


def _cmd_ingest(args: argparse.Namespace) -> int:
    from .db import warehouse_target

    # Whichever sources are named run alone; with none named, the environment's configuration applies.
    named = any((args.reports, args.github, args.git, args.report_site, args.report_numbers, args.sample))
    database = warehouse_target(args.db)
    git = list(args.git or []) + ([_sample_clone(database)] if args.sample else [])
    print(f"ingesting into {database}", file=sys.stderr)
    summary = _run_ingest_until_stopped(
        str(database), locations=args.reports if args.reports or not named else [],
        include_sample=True if args.sample else (False if named else None), default_repo=args.default_repo,
        github_repos=args.github if args.github or not named else [], github_api_url=args.github_api_url,
        git_clones=git if git or not named else [], report_site=args.report_site,
        report_numbers=args.report_numbers, collect_only=args.collect_only, force=args.force)
    if summary is None:
        return 130
    print(summary.line())
    return 0 if summary.success and not summary.failed_checks else 1


def _prepare_dashboards(target: str) -> None:
    """Publish a snapshot first when the warehouse file is newer than its last one (built before snapshots
    existed, or changed by hand). A DuckLake needs none: readers pin its latest commit."""
    from .db import WarehouseBusy
    from .lake import is_lake
    from .snapshot import is_stale, publish

    if not is_lake(target) and is_stale(Path(target)):
        try:
            publish(Path(target))
        except WarehouseBusy:
            print("pr-atlas: the warehouse is being written; serving the last snapshot until the ingestion ends",
                  file=sys.stderr)


def _dashboard_command(port: int, address: str) -> list[str]:
    app = Path(__file__).resolve().parent.parent / "dashboards" / "server.py"  # serves dashboards/app.py
    return [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port),
            "--server.address", address, "--server.headless", "true", "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none", "--client.toolbarMode", "viewer",
            "--client.showErrorDetails", "none"]  # a page that fails says what in its own words (dashboards/ui.py)


def _serve_dashboards(target: str, port: int, address: str) -> int:
    from .processes import run_group

    _prepare_dashboards(target)
    print(f"\nPR Atlas dashboards: open http://{address}:{port}  (Ctrl-C stops them)\n", file=sys.stderr)
    return run_group(_dashboard_command(port, address), env={**os.environ, "PR_ATLAS_DATABASE": target})


def _cmd_dashboard(args: argparse.Namespace) -> int:
    from .db import warehouse_target
    return _serve_dashboards(warehouse_target(args.db), args.port, args.address)


def _cmd_serve(args: argparse.Namespace) -> int:
    from . import settings
    from .serve import serve

    chosen = settings.Settings.load(database=args.db, address=args.address, dagster_port=args.dagster_port,
                                    dashboard_port=args.port)
    settings.use(chosen)
    _prepare_dashboards(chosen.database)
    # The services are other processes: they build the same settings from the same file and these variables.
    env = {**os.environ, "PR_ATLAS_CONFIG": str(chosen.config_file), "PR_ATLAS_DATABASE": chosen.database,
           "DAGSTER_HOME": str(chosen.instance_home)}
    return serve(chosen, _dashboard_command(chosen.dashboard_port, chosen.address), env)


def _cmd_status(args: argparse.Namespace) -> int:
    from . import settings
    from .status import as_json, collect_status, healthy, project_instance, render

    with project_instance(settings.current().instance_home) as instance:
        rows = collect_status(instance)
    print(json.dumps(as_json(rows), indent=2) if args.format == "json" else render(rows))
    return 0 if healthy(rows) else 1


def _cmd_demo(args: argparse.Namespace) -> int:
    from .db import database_path

    database = database_path(args.db)  # a fresh demo is always a DuckDB file
    for stale in (database, database.with_name(database.name + ".wal")):
        stale.unlink(missing_ok=True)
    print(f"building a fresh demo warehouse at {database} from the bundled sample reports and git history",
          file=sys.stderr)
    summary = _run_ingest_until_stopped(str(database), locations=[], include_sample=True, github_repos=[],
                                        git_clones=[_sample_clone(database)])
    if summary is None:
        return 130
    print(summary.line())
    if not summary.success:
        return 1
    query = "select chain_id, member_numbers, days_to_fix from regression_chains"
    print(f'\nQuery it:  .venv/bin/pr-atlas sql "{query}" --db {database}')
    if args.no_dashboard:
        return 0
    return _serve_dashboards(str(database), args.port, args.address)


def _cmd_parse(args: argparse.Namespace) -> int:
    from . import settings
    from .parsing import UnreadableDocument, parse_bytes
    status = 0
    for name in args.files:
        path = Path(name)
        try:
            repo = args.default_repo or settings.current().default_repo
            record = parse_bytes(path.read_bytes(), str(path.resolve()), repo).to_dict()
        except UnreadableDocument as exc:
            record, status = {"file": name, "quarantine_reason": exc.reason, "detail": exc.detail}, 1
        except OSError as exc:
            record, status = {"file": name, "error": str(exc)}, 1
        record = {"file": name, **record}
        if args.format == "json":
            print(json.dumps(record, ensure_ascii=False, default=str))
        else:
            print(json.dumps(record, ensure_ascii=False, default=str, indent=2))
    return status


def _cmd_sql(args: argparse.Namespace) -> int:
    import duckdb

    from . import user_sql
    from .db import WarehouseBusy, warehouse_target
    from .lake import is_lake

    target = warehouse_target(args.db)
    if not is_lake(target) and not Path(target).exists():
        raise FileNotFoundError(f"no warehouse at {target}: run `pr-atlas ingest` first")
    try:
        con = user_sql.open_reader(target)
    except duckdb.IOException as exc:
        raise WarehouseBusy(f"the warehouse {target} is being written by another process; query its snapshot "
                            f"({Path(target).stem}.snapshots/current.duckdb) or retry when it is done") from exc
    try:
        result = user_sql.run(con, args.query, row_limit=args.max_rows, seconds=args.timeout, byte_limit=256 << 20)
    except (user_sql.RefusedQuery, user_sql.QueryFailed) as exc:
        print(f"pr-atlas: {exc}", file=sys.stderr)
        return 2
    finally:
        con.close()
    frame = result.frame
    if result.truncated:
        print(f"pr-atlas: only the first {len(frame):,} rows are shown (--max-rows, or 256 MB of result)",
              file=sys.stderr)
    # What the data holds is shown, never acted on: a terminal gets control characters escaped, a spreadsheet
    # gets no formula (etl/user_sql.py).
    if args.format == "csv":
        sys.stdout.write(user_sql.as_csv(frame, for_terminal=sys.stdout.isatty()))
    elif args.format == "json":  # JSON escapes the C0 controls itself; the rest are escaped the same way
        print(user_sql.escape_controls(frame.to_json(orient="records", force_ascii=False, date_format="iso"),
                                       in_json=True))
    else:
        print(user_sql.for_terminal(frame).to_string(index=False, max_colwidth=80) if len(frame) else "(no rows)")
    return 0


def _serving_options(command: argparse.ArgumentParser, *, defaults: bool = True) -> None:
    from . import settings
    config = settings.current()
    command.add_argument("--port", type=int, default=config.dashboard_port if defaults else None,
                         help=f"dashboard port (pr_atlas.toml [ports] dashboard, $PR_ATLAS_DASHBOARD_PORT; "
                              f"now {config.dashboard_port})")
    command.add_argument("--address", default=config.address if defaults else None,
                         help=f"address to listen on ([ports] address, $PR_ATLAS_ADDRESS; now {config.address})")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pr-atlas", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    db_help = ("DuckDB file or ducklake:<catalog> (default: $PR_ATLAS_DATABASE, else pr_atlas.toml [warehouse] "
               "database, warehouse/pr_atlas.duckdb)")

    ingest = commands.add_parser("ingest", help="materialize every asset in-process through Dagster")
    ingest.add_argument("--db", help=db_help)
    ingest.add_argument("--reports", nargs="+", metavar="DIR_OR_URL", help="report folders, files or URLs")
    ingest.add_argument("--github", action="append", metavar="OWNER/REPO",
                        help="collect pull requests, files and reviews from the GitHub API (repeatable; "
                             "token from $GITHUB_TOKEN)")
    ingest.add_argument("--github-api-url", metavar="URL",
                        help="GitHub REST API base (default: $PR_ATLAS_GITHUB_API_URL, else https://api.github.com)")
    ingest.add_argument("--git", action="append", metavar="PATH",
                        help="load the history of a local clone (repeatable; OWNER/REPO=PATH names its repo)")
    ingest.add_argument("--report-site", metavar="URL",
                        help="fetch reports from URL/<owner>/<repo>/pull/<n>/report.md for merged PRs without one")
    ingest.add_argument("--report-numbers", nargs="+", type=int, metavar="N",
                        help="PR numbers (in the default repo) to fetch from the report site")
    ingest.add_argument("--sample", action="store_true",
                        help="also ingest the bundled sample reports and sample git history")
    ingest.add_argument("--default-repo", help="repo for reports that name none (default: $PR_ATLAS_DEFAULT_REPO)")
    ingest.add_argument("--collect-only", action="store_true",
                        help="only collect the named repos (GitHub, git, report site); parse and build the marts "
                             "in a later run. For parallel workers on a DuckLake warehouse")
    ingest.add_argument("--force", action="store_true",
                        help="run even when nothing changed since the last complete run (which is otherwise "
                             "reported without starting Dagster)")
    ingest.set_defaults(func=_cmd_ingest)

    demo = commands.add_parser("demo", help="build a fresh warehouse from the sample data, then serve the dashboards")
    demo.add_argument("--db", help=db_help)
    demo.add_argument("--no-dashboard", action="store_true", help="only build the warehouse")
    _serving_options(demo)
    demo.set_defaults(func=_cmd_demo)

    dashboard = commands.add_parser("dashboard", help="serve the Streamlit dashboards on the warehouse")
    dashboard.add_argument("--db", help=db_help)
    _serving_options(dashboard)
    dashboard.set_defaults(func=_cmd_dashboard)

    serve = commands.add_parser("serve", help="run the Dagster daemon, Dagster's web UI and the dashboards together")
    serve.add_argument("--db", help=db_help)
    _serving_options(serve, defaults=False)
    serve.add_argument("--dagster-port", type=int, help="Dagster UI port ([ports] dagster, $PR_ATLAS_DAGSTER_PORT)")
    serve.set_defaults(func=_cmd_serve)

    status = commands.add_parser("status", help="last run per source and repo, its outcome, rows added, freshness")
    status.add_argument("--format", choices=("table", "json"), default="table")
    status.set_defaults(func=_cmd_status)

    parse = commands.add_parser("parse", help="print what the parser extracts from report files")
    parse.add_argument("files", nargs="+", metavar="FILE")
    parse.add_argument("--format", choices=("json", "pretty"), default="pretty",
                       help="json: one object per line; pretty: indented (default)")
    parse.add_argument("--default-repo", help="repo for reports that name none")
    parse.set_defaults(func=_cmd_parse)

    sql = commands.add_parser("sql", help="run one read-only statement against the warehouse (no files, settings "
                                          "or extensions: the SQL page's guard)")
    sql.add_argument("query")
    sql.add_argument("--db", help=db_help)
    sql.add_argument("--format", choices=("table", "csv", "json"), default="table")
    sql.add_argument("--max-rows", type=int, default=1_000_000, help="rows printed at most (default 1,000,000)")
    sql.add_argument("--timeout", type=float, default=60.0, help="seconds a query may run (default 60)")
    sql.set_defaults(func=_cmd_sql)
    return parser


def main(argv: list[str] | None = None) -> int:
    from .db import WarehouseBusy
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (WarehouseBusy, FileNotFoundError) as exc:
        print(f"pr-atlas: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # duckdb errors in `sql` are the user's to read, not a traceback
        if type(exc).__module__.startswith("duckdb") or type(exc).__module__.startswith("_duckdb"):
            print(f"pr-atlas: {exc}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
