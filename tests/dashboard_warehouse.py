"""The small warehouse the dashboard tests read: the bundled sample reports and git history, one report
whose text tries to be HTML and script, one unnumbered report that fixes a numbered PR, one report that fixes a PR
no source knows but by its number (so a chain starts with a PR without title or merge time), and a PR from a local
GitHub API server that only GitHub knows. Built once per test session through the real `pr-atlas ingest`."""

from __future__ import annotations

from pathlib import Path

from .conftest import run_cli
from .replay_server import Recorded, ReplayServer

REPO = "sgl-project/sglang"
GITHUB_ONLY = 27050
HOSTILE = 27060
HOSTILE_REPORT = f"""# PR #{HOSTILE} 完整报告

- 仓库：{REPO}
- 标题：Escape <b>markup</b> in tool-call arguments <script>alert('title')</script>
- 合并时间：2026-06-28 09:00

## 执行摘要

- 一句话：工具调用参数里的 <img src=x onerror="alert('img')"> 不再被当作标记渲染。
- 推荐动作：看看 [这个链接](javascript:alert('link')) 和 :red[染色] 是否原样显示。

## 功能与动机

报告正文里出现 <script>alert('body')</script> 时只能按文字显示。

## 风险与影响

- 风险：低风险。
- 风险标记：缺少测试覆盖
"""


# plain text with no header, as PDF extraction leaves it: no PR number, so it is known by its one-liner
UNNUMBERED_ONE_LINER = "修复 rope 备用路径在 bf16 下丢失精度的回归"
UNNUMBERED_REPORT = f"""执行摘要
- 一句话:{UNNUMBERED_ONE_LINER}
- 推荐动作:关注 bf16 下的数值对齐。
功能与动机
PR #25470 引入的备用路径在 bf16 下丢失精度，导致长上下文输出漂移；本次修复该回归。
关键文件:
python/sglang/srt/layers/rope_fallback_precision.py(模块 位置编码;类别 source;类型 core-logic): 恢复 float32 累加。
风险与影响
- 风险:低风险。
- 风险标记:dtype 一致性
"""


# fixes a regression of a PR (in another repo) that only this report names: no title, no merge time, so the chain
# it starts has no fix time
ONLY_NAMED, NAMES_IT = "flashinfer-ai/flashinfer#1490", 27070
NAMES_IT_REPORT = f"""# PR #{NAMES_IT} 完整报告

- 仓库：{REPO}
- 标题：Reset the prefix-cache hit counter after an eviction
- 合并时间：2026-06-26 10:00

## 执行摘要

- 一句话：淘汰之后前缀缓存的命中计数重新从零开始。

## 功能与动机

本次修复 {ONLY_NAMED} 引入的回归：淘汰之后命中计数没有清零，命中率因此偏高。

## 风险与影响

- 风险：低风险。
"""


def _pull(number: int, title: str, merged_at: str | None) -> dict:
    return {"number": number, "title": title, "body": "Adds a <i>warm-up</i> pass before serving.",
            "user": {"login": "octo-dev", "type": "User"}, "state": "closed" if merged_at else "open",
            "draft": False, "created_at": "2026-06-25T08:00:00Z", "updated_at": "2026-06-30T03:00:00Z",
            "merged_at": merged_at, "closed_at": merged_at, "base": {"ref": "main"}, "head": {"ref": "warm-up"},
            "merge_commit_sha": "ab" * 20, "labels": [{"name": "speculative-decoding"}],
            "html_url": f"https://github.com/{REPO}/pull/{number}"}


def build(folder: Path) -> Path:
    """Ingest everything into folder/w.duckdb (which also publishes its first snapshot)."""
    reports = folder / "reports"
    reports.mkdir()
    (reports / f"{HOSTILE}.md").write_text(HOSTILE_REPORT, encoding="utf-8")
    (reports / "rope_precision.txt").write_text(UNNUMBERED_REPORT, encoding="utf-8")
    (reports / f"{NAMES_IT}.md").write_text(NAMES_IT_REPORT, encoding="utf-8")
    database = folder / "w.duckdb"
    pulls = [_pull(GITHUB_ONLY, "Warm up the draft model before serving", "2026-06-30T02:00:00Z")]
    files = [{"filename": "python/sglang/srt/speculative/eagle_worker.py", "status": "modified",
              "additions": 12, "deletions": 3}]
    reviews = [{"id": 9001, "user": {"login": "reviewer-one", "type": "User"}, "state": "APPROVED",
                "submitted_at": "2026-06-29T10:00:00Z", "body": "Looks good; please keep the warm-up optional.",
                "commit_id": "cd" * 20}]
    with ReplayServer() as server:
        (server
         .route(r"/repos/.*/pulls/\d+/(files|reviews|comments)\?per_page=100", Recorded.json([]))
         .route(rf"/repos/{REPO}/pulls\?state=all&sort=updated&direction=desc&per_page=100", Recorded.json(pulls))
         .route(rf"/repos/{REPO}/pulls/{GITHUB_ONLY}/files\?per_page=100", Recorded.json(files))
         .route(rf"/repos/{REPO}/pulls/{GITHUB_ONLY}/reviews\?per_page=100", Recorded.json(reviews)))
        run_cli("ingest", "--db", str(database), "--sample", "--reports", str(reports), "--github", REPO,
                "--github-api-url", server.base_url)
    return database
