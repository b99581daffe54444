"""One synthetic GitHub repository of N pull requests, last updated at start + n × every, that both API
stand-ins serve: REST here (`rest_answer`: list pages of 100 newest update first with `Link` and `ETag`, the
files, reviews and review comments of each PR), GraphQL in tests/graphql_server.py from the same records.

Plain (the default): every PR merged, 4 files, 2 reviews and 1 review comment. `varied=True` adds what real
repositories have and the collectors must get right: open and draft PRs, a bot author and a deleted one
(null), PRs with no description, renamed files, a PR with 130 files, long reviews, many review threads and a
long thread with replies."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta

REPO = "bench/repo"
PER_PAGE = 100
_STAMP = "%Y-%m-%dT%H:%M:%SZ"


def _stamp(moment: datetime) -> str:
    return moment.strftime(_STAMP)


class FakeGitHub:
    """`prs` pull requests, #n last updated at start + n × every."""

    def __init__(self, prs: int, start: datetime = datetime(2026, 1, 1, tzinfo=UTC),
                 every: timedelta = timedelta(minutes=1), varied: bool = False):
        self.updated = {n: start + n * every for n in range(1, prs + 1)}
        self.varied = varied
        self.listed_at: dict[int, datetime] = {}  # where the list shows a PR, when it lags behind an update
        self.merged: dict[int, datetime] = {}     # PRs merged since they were created open

    def touch(self, numbers, when: datetime | None = None) -> None:
        later = when or max(self.updated.values()) + timedelta(hours=1)
        for n in numbers:
            self.updated[n] = later
            self.listed_at.pop(n, None)

    def merge(self, n: int, when: datetime, listed_at: datetime | None = None) -> None:
        """Merge open PR #n at `when`; with `listed_at`, the list still shows it at that older time (GitHub's
        list can lag behind an update)."""
        self.merged[n] = when
        self.updated[n] = when
        if listed_at is not None:
            self.listed_at[n] = listed_at

    def listed(self, n: int) -> datetime:
        return self.listed_at.get(n, self.updated[n])

    def ordered(self) -> list[int]:
        """Numbers as the list gives them: newest (listed) update first."""
        return sorted(self.updated, key=lambda n: (self.listed(n), n), reverse=True)

    def is_open(self, n: int) -> bool:
        return self.varied and n % 50 == 7 and n not in self.merged

    def pull(self, n: int, listed: bool = False) -> dict:
        """The REST object of PR #n (as a list page shows it when `listed`)."""
        stamp = _stamp(self.listed(n) if listed else self.updated[n])
        created = _stamp(self.updated[n] - timedelta(hours=5)) if self.varied else stamp
        item = {"number": n, "title": f"Change {n}", "state": "closed", "user": {"login": f"dev{n % 50}"},
                "created_at": created, "updated_at": stamp, "merged_at": stamp, "closed_at": stamp,
                "base": {"ref": "main"}, "head": {"ref": f"topic-{n}"}, "labels": [{"name": "bug"}],
                "html_url": f"https://github.com/{REPO}/pull/{n}", "draft": False}
        if not self.varied:
            return item
        item["user"] = ({"login": "dependabot[bot]", "type": "Bot"} if n % 13 == 0 else None if n % 61 == 5
                        else {"login": f"dev{n % 50}", "type": "User"})
        item["body"] = None if n % 11 == 0 else f"Follows #{n - 1}: handle case {n}.\n\nFixes #{n + 5000}."
        item["labels"] = [{"name": name} for name in ("bug", "perf", "docs")[: n % 4]]
        item["merge_commit_sha"] = hashlib.sha1(f"merge {n}".encode()).hexdigest()
        if n in self.merged:
            item["merged_at"] = item["closed_at"] = _stamp(self.merged[n])
        elif self.is_open(n):
            item.update(state="open", merged_at=None, closed_at=None, draft=n % 100 == 57,
                        merge_commit_sha=hashlib.sha1(f"test merge {n}".encode()).hexdigest())
        return item

    def files(self, n: int) -> list[dict]:
        count = 130 if self.varied and n % 400 == 1 else 4
        name = "python/pkg/mod_{}_{}.py" if count > 4 else "python/pkg/mod_{}.py"
        files = [{"filename": name.format((n + i) % 300, i), "status": "modified", "additions": i + 3,
                  "deletions": i} for i in range(count)]
        if self.varied and n % 9 == 0:
            files[0].update(status="renamed", previous_filename=f"python/old/mod_{n % 300}.py")
        if self.varied and n % 7 == 0:
            files[-1].update(status="added", deletions=0)
        return files

    def reviews(self, n: int) -> list[dict]:
        count = 45 if self.varied and n % 150 == 2 else 2
        stamp = self.pull(n)["updated_at"]
        reviews = [{"id": n * 1000 + i, "user": {"login": "reviewer", "type": "User"}, "state": "APPROVED",
                    "body": "lgtm", "submitted_at": stamp} for i in range(count)]
        if self.varied:
            reviews[0].update(user={"login": "gemini-code-assist[bot]", "type": "Bot"}, state="COMMENTED", body="",
                              commit_id=hashlib.sha1(f"head {n}".encode()).hexdigest())
        return reviews

    def comments(self, n: int) -> list[dict]:
        """Review comments: one thread of one comment; varied, some PRs have three threads with replies, 12
        threads, or one thread of 25 comments."""
        stamp = self.pull(n)["updated_at"]
        threads, replies = 1, 0
        if self.varied:
            threads, replies = ((12, 0) if n % 120 == 8 else (1, 24) if n % 300 == 9 else (3, 2) if n % 10 == 4
                                else (1, 0))
        found = []
        for t in range(threads):
            root = {"id": n * 100_000 + t * 100, "pull_request_review_id": n * 1000,
                    "user": {"login": "reviewer", "type": "User"}, "path": f"python/pkg/mod_{(n + t) % 300}.py",
                    "line": 3 + t, "original_line": 3 + t, "body": f"nit {t}", "created_at": stamp,
                    "in_reply_to_id": None}
            found.append(root)
            found += [{**root, "id": root["id"] + r + 1, "pull_request_review_id": n * 1000 + 1,
                       "in_reply_to_id": root["id"], "body": f"reply {r}", "line": None,
                       "user": {"login": f"dev{n % 50}", "type": "User"}} for r in range(replies)]
        return found

    def rest_body(self, path: str, base: str) -> tuple[object, str | None] | None:
        """(JSON body, next link) for a REST request path, None for a path this repository has not."""
        if match := re.fullmatch(rf"/repos/{REPO}/pulls\?state=all&sort=updated&direction=desc&per_page=100"
                                 r"(?:&page=(\d+))?", path):
            page = int(match.group(1) or 1)
            ordered = self.ordered()
            items = [self.pull(n, listed=True) for n in ordered[(page - 1) * PER_PAGE: page * PER_PAGE]]
            link = f"{base}/repos/{REPO}/pulls?state=all&sort=updated&direction=desc&per_page=100&page={page + 1}"
            return items, link if page * PER_PAGE < len(ordered) else None
        if match := re.fullmatch(rf"/repos/{REPO}/pulls/(\d+)", path):
            return (self.pull(int(match.group(1))) if int(match.group(1)) in self.updated else None), None
        match = re.fullmatch(rf"/repos/{REPO}/pulls/(\d+)/(files|reviews|comments)\?per_page=100(?:&page=(\d+))?",
                             path)
        if not match or int(match.group(1)) not in self.updated:
            return None
        n, kind, page = int(match.group(1)), match.group(2), int(match.group(3) or 1)
        entries = getattr(self, kind)(n)
        link = f"{base}/repos/{REPO}/pulls/{n}/{kind}?per_page=100&page={page + 1}"
        return entries[(page - 1) * PER_PAGE: page * PER_PAGE], link if page * PER_PAGE < len(entries) else None


def rest_answer(fake: FakeGitHub, path: str, base: str, if_none_match: str | None) -> tuple[int, dict, bytes]:
    """Status, headers and body of a REST GET, as GitHub answers: an ETag on everything, 304 to a request that
    sends the ETag it would get, a `Link` to the next page."""
    found = fake.rest_body(path, base)
    if found is None or found[0] is None:
        return 404, {"Content-Type": "application/json"}, json.dumps({"message": "Not Found"}).encode()
    payload, link = found
    body = json.dumps(payload).encode()
    etag = '"' + hashlib.sha1(body).hexdigest() + '"'
    headers = {"ETag": etag, "Content-Type": "application/json", "X-RateLimit-Remaining": "4999"}
    if link:
        headers["Link"] = f'<{link}>; rel="next"'
    return (304, headers, b"") if if_none_match == etag else (200, headers, body)
