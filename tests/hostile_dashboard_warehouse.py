"""A warehouse of GitHub PRs whose data tries to act on the dashboards, built through the real `pr-atlas ingest
--github` from the stand-in GitHub (tests/github_standin.py): a title that is a Markdown image of a tracking
pixel and a login link, a 10 MB body, a review by a deleted account (`user: null`) with a link to a script
and a long body, a later PR whose body says it fixes the first (so the title shows in its links), a label
name that is a number (a warning), and files answering GitHub's 422 (a miss)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .conftest import run_cli
from .github_standin import Replace, StandIn, Target, build_repo

REPO = "acme/hostile"
BROKEN, FIX, UNREADABLE_FILES = 301, 302, 303
BODY_BYTES = 10 * 1024 * 1024
LOGIN_LINK = "http://evil.example/login"
REVIEW_LINK = "javascript:alert('review')"
DIFF_TOO_LONG = '{"message": "Sorry, this diff is taking too long to generate."}'


def title(pixel_url: str) -> str:
    return f"![p]({pixel_url}) [Sign in again]({LOGIN_LINK}) <img src={pixel_url}>"


def build(folder: Path, pixel_url: str) -> Path:
    repo = build_repo(REPO, [BROKEN, FIX, UNREADABLE_FILES])
    now = datetime.now(UTC).replace(microsecond=0)
    stamp = lambda hours: (now - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    broken, fix, unreadable = (repo.pull(n) for n in (BROKEN, FIX, UNREADABLE_FILES))
    broken.payload.update(title=title(pixel_url), body="The first line of a long body.\n" + "y" * BODY_BYTES,
                          merged_at=stamp(30), closed_at=stamp(30), state="closed", labels=[{"name": 7}])
    broken.reviews = [{**broken.reviews[0], "id": 7001, "user": None, "state": "APPROVED",
                       "body": f"[run this]({REVIEW_LINK}) " + "z" * 30_000}]
    fix.payload.update(title="Restore the scheduler's warm-up", body=f"Fixes a regression introduced in #{BROKEN}: the warm-up was skipped.",
                       merged_at=stamp(20), closed_at=stamp(20), state="closed")
    unreadable.payload.update(title="Rename a flag", merged_at=stamp(10), closed_at=stamp(10), state="closed")
    database = folder / "w.duckdb"
    with StandIn([repo]) as api:
        api.faults[Target(REPO, "files", UNREADABLE_FILES)] = Replace(422, DIFF_TOO_LONG)
        run_cli("ingest", "--db", str(database), "--github", REPO, "--github-api-url", api.base_url,
                env_extra={"PR_ATLAS_GITHUB_HISTORY_START": time.strftime("%Y-%m-01"),
                           "PR_ATLAS_DEFAULT_REPO": REPO})
    return database
