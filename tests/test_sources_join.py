"""All four sources through `pr-atlas ingest` (a real subprocess, real HTTP): the bundled sample reports and
git history, GitHub pull requests from a local API server, and a report site on the same server. One PR
seen by several sources is one PR; files merge on path; reviews keep their source; an unnumbered report
is matched to its PR only on strong evidence."""

import copy
import json

import duckdb
import pytest

from .conftest import run_cli
from .replay_server import GITHUB_API_FIXTURES, Recorded, ReplayServer, require_fixtures

REPO = "sgl-project/sglang"
TOKEN = "ghp_joinTestTokenThatMustStayOutOfEverything42"
SITE_REPORT = """# PR #26145 完整报告

- 仓库：sgl-project/sglang
- 标题：[docs] Describe hierarchical cache options
- 合并时间：2026-05-26 10:10

## 执行摘要

- 一句话：补全 HiCache 各个启动参数的文档说明。
- 推荐动作：部署分层缓存前先读一遍。

## 关键文件

- `docs/advanced_features/hicache.md`（模块 文档；类别 docs；类型 markdown）：新增参数表。

## 风险与影响

- 风险：低风险，只改文档。
- 风险标记：文档与实现可能不同步
"""


def pull_payload(number: int, title: str, merged_at: str | None, updated_at: str) -> dict:
    """A recorded single-PR payload with the identity fields of a sample PR put in."""
    payload = copy.deepcopy(json.loads((GITHUB_API_FIXTURES / "pull_single_hub4j__1.json").read_text()))
    payload.update(number=number, title=title, merged_at=merged_at, updated_at=updated_at, state="closed",
                   html_url=f"https://github.com/{REPO}/pull/{number}", additions=None, deletions=None,
                   changed_files=None)
    return payload


def files_payload(files: dict[str, tuple[int, int]]) -> list[dict]:
    return [{"filename": path, "status": "modified", "additions": a, "deletions": d, "changes": a + d}
            for path, (a, d) in files.items()]


@pytest.fixture
def sources():
    require_fixtures()
    pulls = [pull_payload(26999, "Warm up the draft model before serving", "2026-06-30T02:00:00Z",
                          "2026-06-30T03:00:00Z"),
             pull_payload(20978, "Improve cuda graph coverage by padding capture batch sizes beyond pool size",
                          "2026-03-27T03:15:09Z", "2026-04-01T00:00:00Z")]
    with ReplayServer() as server:
        (server
         .route(r"/repos/.*/pulls/\d+/(files|reviews|comments)\?per_page=100", Recorded.json([]))
         .route(rf"/repos/{REPO}/pulls\?state=all&sort=updated&direction=desc&per_page=100",
                Recorded.json(pulls, headers=[("ETag", '"list-v1"')]))
         .route(rf"/repos/{REPO}/pulls/20978/files\?per_page=100", Recorded.json(files_payload({
             "python/sglang/srt/model_executor/cuda_graph_runner.py": (50, 12),
             "python/sglang/srt/server_args.py": (9, 2),
             "test/srt/test_cuda_graph_padding.py": (35, 0)})))
         .route(rf"/repos/{REPO}/pulls/20978/reviews\?per_page=100", "pull_reviews_all_states_gitea__1")
         .route(rf"/repos/{REPO}/pulls/26999/files\?per_page=100", Recorded.json(files_payload({
             "python/sglang/srt/speculative/eagle_worker.py": (12, 3)})))
         .route(r"/site/.*", Recorded.json({"message": "no report"}, status=404))
         .route(rf"/site/{REPO}/pull/26145/report\.md",
                Recorded(200, [("Content-Type", "text/markdown; charset=utf-8"), ("ETag", '"report-v1"')],
                         SITE_REPORT.encode())))
        yield server


def ingest(db, server):
    return run_cli("ingest", "--db", str(db), "--sample", "--github", REPO, "--github-api-url", server.base_url,
                   "--report-site", f"{server.base_url}/site", "--report-numbers", "26145",
                   env_extra={"GITHUB_TOKEN": TOKEN})


def test_every_source_lands_once_and_joins(sources, tmp_path):
    db = tmp_path / "w.duckdb"
    first = ingest(db, sources)
    marker = len(sources.requests)
    second = ingest(db, sources)
    again = sources.requests[marker:]
    con = duckdb.connect(str(db), read_only=True)

    # one PR, several sources; GitHub's UTC merge time wins over the report's local one
    row = con.execute("select sources, merged_at, report_merged_at, additions, deletions, changed_files, github_url "
                      "from pull_requests where pr_key = 'sgl-project/sglang#20978'").fetchone()
    assert row[0] == ["report", "github", "git"]
    assert str(row[1]) == "2026-03-27 03:15:09" and str(row[2]) == "2026-03-27 11:15:00"
    assert row[3:6] == (94, 14, 3) and row[6].endswith("/pull/20978")
    # files merge on path: the report's key files carry GitHub's line counts; the test file is GitHub's alone
    files = {r[0]: r[1:] for r in con.execute(
        "select path, sources, additions, module_label is not null from pr_files where number = 20978").fetchall()}
    assert files["python/sglang/srt/server_args.py"] == (["report", "github", "git"], 9, True)
    assert files["test/srt/test_cuda_graph_padding.py"] == (["github"], 35, False)
    # reviews from GitHub sit beside the report's highlights, told apart by source
    reviews = con.execute("select source, state from pr_reviews where number = 20978 and source = 'github' "
                          "order by state").fetchall()
    assert [s for _, s in reviews] == ["APPROVED", "CHANGES_REQUESTED", "COMMENTED"]
    # a PR only GitHub knows, one only git knows, and one whose report came from the site
    assert con.execute("select sources, has_report from pull_requests where number = 26999").fetchone() == (["github"], False)
    assert con.execute("select sources, has_report, risk_level from pull_requests where number = 26145").fetchone() == (
        ["report", "git"], True, "low")
    assert con.execute("select source_uri from pr_reports where number = 26145").fetchone()[0] == \
        f"{sources.base_url}/site/{REPO}/pull/26145/report.md"
    # the unnumbered PP profiler report is matched to #26061 by its key file and shared words; the PD one is not
    matches = dict(con.execute("select candidate_number, verdict from report_matches").fetchall())
    assert matches[26061] == "matched" and matches[26620] == "no PR changed all of its key files"
    assert con.execute("select pr_number_source from pr_reports where number = 26061").fetchone()[0] == "matched"
    assert con.execute("select count(*) from regression_chains where list_contains(member_numbers, 26061)").fetchone()[0] == 1
    # a report the site has not published yet is noted, not an error, and asked for again next run
    misses = con.execute("select source, status from meta.fetch_misses where pr_number = 26620").fetchall()
    assert misses == [("report_site", 404)]

    # idempotent: the second run adds nothing; GitHub costs one conditional list request
    assert first.stdout.split("| rows:")[1] == second.stdout.split("| rows:")[1]
    api = [(path, headers) for path, headers in again if not path.startswith("/site/")]
    assert [path for path, _ in api] == [f"/repos/{REPO}/pulls?state=all&sort=updated&direction=desc&per_page=100"]
    assert any(path.endswith("/26620/report.md") for path, _ in again)  # asked again
    # a report asked for by number again is fetched conditionally (it now has its report, so only because it is named)
    site_26145 = [headers for path, headers in again if path.endswith("/26145/report.md")]
    assert site_26145[0].get("If-None-Match") == '"report-v1"'

    # the token went to the API only, and nowhere else
    assert all(h.get("Authorization") == f"Bearer {TOKEN}" for p, h in sources.requests if not p.startswith("/site/"))
    assert not any("Authorization" in h for p, h in sources.requests if p.startswith("/site/"))
    assert TOKEN not in first.stdout + first.stderr + second.stdout + second.stderr
    for table, column in con.execute("select table_schema || '.' || table_name, column_name from information_schema.columns "
                                     "where data_type in ('VARCHAR', 'BLOB', 'JSON') and table_schema <> 'main'").fetchall():
        assert con.execute(f"select count(*) from {table} where position(? in {column}::varchar) > 0",
                           [TOKEN]).fetchone()[0] == 0, f"token in {table}.{column}"
    con.close()
