"""A GraphQL pull-request node (as the detail query asks for it, its connections completed) turned into the
dicts the REST API gives for the same PR, its files, reviews and review comments, so that both collectors feed
the same `pull_row`, `file_rows`, `review_rows` and `comment_rows` (etl/sources/github.py): one definition of
a row, whichever API it came from.

Where the two APIs differ, the REST value is rebuilt exactly:
- ids: a review's or review comment's REST id is its `fullDatabaseId` (a BigInt, sent as a string), else the
  number GitHub puts at the end of its URL (`#pullrequestreview-<id>`, `#discussion_r<id>`);
  `pull_request_review_id` is the comment's `pullRequestReview.fullDatabaseId`, `in_reply_to_id` its
  `replyTo.fullDatabaseId`;
- a bot: GraphQL gives an App's login without the `[bot]` that REST shows (`dependabot` for
  `dependabot[bot]`), and `__typename: Bot` where REST has `type: Bot`;
- a PR's state: OPEN, CLOSED or MERGED for REST's open or closed; no description: "" for REST's null;
- a file's change type: ADDED, DELETED, MODIFIED, RENAMED, COPIED, CHANGED for added, removed, modified,
  renamed, copied, changed. GraphQL has no previous path of a renamed file: the collector asks REST for the
  files of the (few) PRs that rename or copy one;
- the merge commit: REST's merge_commit_sha is the test merge of a PR not merged yet, GraphQL's
  potentialMergeCommit.

A deleted account is `author: null` in GraphQL and stays null (REST shows its placeholder account `ghost`)."""

from __future__ import annotations

import re

_STATES = {"OPEN": "open", "CLOSED": "closed", "MERGED": "closed"}
CHANGE_TYPES = {"ADDED": "added", "DELETED": "removed", "MODIFIED": "modified", "RENAMED": "renamed",
                "COPIED": "copied", "CHANGED": "changed"}
WITH_PREVIOUS_PATH = frozenset({"RENAMED", "COPIED"})  # REST gives these a previous_filename


def _nodes(connection) -> list:
    return [node for node in (connection or {}).get("nodes") or [] if isinstance(node, dict)]


def _oid(commit) -> str | None:
    return commit.get("oid") if isinstance(commit, dict) else None


def rest_user(actor) -> dict | None:
    """REST's `user` for a GraphQL actor: a bot's login with its `[bot]`; None for a deleted account."""
    if not isinstance(actor, dict) or actor.get("login") is None:
        return None
    login = actor["login"]
    if actor.get("__typename") == "Bot":
        return {"login": login if login.endswith("[bot]") else f"{login}[bot]", "type": "Bot"}
    return {"login": login, "type": actor.get("__typename") or "User"}


def rest_id(entity, marker: str) -> int | None:
    """REST's id of a review (marker `pullrequestreview-`) or review comment (`discussion_r`)."""
    if not isinstance(entity, dict):
        return None
    if entity.get("fullDatabaseId") is not None:
        return int(entity["fullDatabaseId"])
    if entity.get("databaseId") is not None:
        return int(entity["databaseId"])
    found = re.search(rf"#{marker}(\d+)$", entity.get("url") or "")
    return int(found.group(1)) if found else None


def rest_pull(node: dict) -> dict:
    """The REST list item of the PR (the fields pull_row reads)."""
    return {
        "number": node["number"], "title": node.get("title"), "body": node.get("body") or None,
        "user": rest_user(node.get("author")), "state": _STATES.get(node.get("state"), node.get("state")),
        "draft": node.get("isDraft"), "created_at": node.get("createdAt"), "updated_at": node.get("updatedAt"),
        "merged_at": node.get("mergedAt"), "closed_at": node.get("closedAt"),
        "base": {"ref": node.get("baseRefName")}, "head": {"ref": node.get("headRefName")},
        "merge_commit_sha": _oid(node.get("mergeCommit")) or _oid(node.get("potentialMergeCommit")),
        "additions": node.get("additions"), "deletions": node.get("deletions"),
        "changed_files": node.get("changedFiles"),
        "labels": [{"name": label.get("name")} for label in _nodes(node.get("labels"))],
        "html_url": node.get("url"),
    }


def rest_files(node: dict) -> list[dict] | None:
    """REST's /pulls/N/files entries (without previous_filename, which GraphQL does not give); None when the
    files connection did not come back."""
    if node.get("files") is None:
        return None
    return [{"filename": f.get("path"), "status": CHANGE_TYPES.get(f.get("changeType"), f.get("changeType")),
             "additions": f.get("additions"), "deletions": f.get("deletions")} for f in _nodes(node["files"])]


def renames(node: dict) -> bool:
    return any(f.get("changeType") in WITH_PREVIOUS_PATH for f in _nodes(node.get("files")))


def rest_reviews(node: dict) -> list[dict] | None:
    if node.get("reviews") is None:
        return None
    return [{"id": rest_id(r, "pullrequestreview-"), "user": rest_user(r.get("author")), "state": r.get("state"),
             "submitted_at": r.get("submittedAt"), "body": r.get("body"), "commit_id": _oid(r.get("commit"))}
            for r in _nodes(node["reviews"])]


def rest_comments(node: dict) -> list[dict] | None:
    """REST's /pulls/N/comments: every comment of every review thread; None when the threads (or one thread's
    comments) did not come back."""
    threads = node.get("reviewThreads")
    if threads is None or any(t.get("comments") is None for t in _nodes(threads)):
        return None
    return [{"id": rest_id(c, "discussion_r"),
             "pull_request_review_id": rest_id(c.get("pullRequestReview"), "pullrequestreview-"),
             "in_reply_to_id": rest_id(c.get("replyTo"), "discussion_r"), "user": rest_user(c.get("author")),
             "path": c.get("path"), "line": c.get("line"), "original_line": c.get("originalLine"),
             "body": c.get("body"), "created_at": c.get("createdAt")}
            for thread in _nodes(threads) for c in _nodes(thread.get("comments"))]
