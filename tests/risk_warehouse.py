"""The warehouse the risk dashboard tests read: a synthetic history of 400 PRs whose bug-introducing PRs follow a
learnable pattern (bench/synthetic_risk_history.py), so that the repo's model learns and scores, and from a local
GitHub API server one PR still open, with its files, and one merged PR with a review. Built once per test
session through the real `pr-atlas ingest`."""

from __future__ import annotations

import sys
from pathlib import Path

from .conftest import PROJECT_ROOT, run_cli
from .replay_server import Recorded, ReplayServer

sys.path.insert(0, str(PROJECT_ROOT / "bench"))
from synthetic_risk_history import build as build_history  # noqa: E402

REPO = "acme/engine"
PRS = 400
OPEN = 1500  # the open PR, numbered after the history's PRs
OPEN_TITLE = "Rework the kernel launcher for larger batches"


def _pull(number: int, title: str, merged_at: str | None, created_at: str) -> dict:
    return {"number": number, "title": title, "body": "Moves the launch parameters into one table.",
            "user": {"login": "dev07", "type": "User"}, "state": "closed" if merged_at else "open", "draft": False,
            "created_at": created_at, "updated_at": "2026-06-30T03:00:00Z", "merged_at": merged_at,
            "closed_at": merged_at, "base": {"ref": "main"}, "head": {"ref": "launcher"},
            "merge_commit_sha": None, "labels": [], "html_url": f"https://github.com/{REPO}/pull/{number}"}


def build(folder: Path) -> Path:
    """Ingest everything into folder/w.duckdb (which also publishes its first snapshot)."""
    clone = build_history(folder / "clone", PRS)
    database = folder / "w.duckdb"
    pulls = [_pull(OPEN, OPEN_TITLE, None, "2024-12-28T08:00:00Z")]
    files = [{"filename": f"engine/kernels/kernel_{n}.py", "status": "modified", "additions": 240,
              "deletions": 60} for n in range(4)]
    with ReplayServer() as server:
        (server
         .route(r"/repos/.*/pulls/\d+/(files|reviews|comments)\?per_page=100", Recorded.json([]))
         .route(rf"/repos/{REPO}/pulls\?state=all&sort=updated&direction=desc&per_page=100", Recorded.json(pulls))
         .route(rf"/repos/{REPO}/pulls/{OPEN}/files\?per_page=100", Recorded.json(files)))
        run_cli("ingest", "--db", str(database), "--git", f"{REPO}={clone}", "--github", REPO,
                "--github-api-url", server.base_url)
    return database
