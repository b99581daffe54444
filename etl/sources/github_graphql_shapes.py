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

A deleted account is `author: null` in GraphQL and stays null (REST shows its placeholder account `ghost`).

Nothing here judges a value: one of another type than the schema says (a number as a string, an object
that is a string, a `null` among a connection's nodes) is handed on as it came, in the place REST would have
it, so that the rows' readers (etl/sources/github_rows.py) fit it and warn naming the field, as they do for
REST. A files, reviews or review-threads connection that is no object, or whose nodes are no list, is a part
that did not come back; labels of that kind are handed on, for pull_row to warn about as it does for REST's."""

from __future__ import annotations

import re

_STATES = {"OPEN": "open", "CLOSED": "closed", "MERGED": "closed"}
CHANGE_TYPES = {"ADDED": "added", "DELETED": "removed", "MODIFIED": "modified", "RENAMED": "renamed",
                "COPIED": "copied", "CHANGED": "changed"}
_DIGITS = re.compile(r"\d{1,40}")  # a BigInt id as GraphQL sends it (longer ones are left to the readers)


def _nodes(connection) -> list | None:
    """A connection's nodes as they came (an element that is no object too), or None when there is no list."""
    nodes = connection.get("nodes") if isinstance(connection, dict) else None
    return nodes if isinstance(nodes, list) else None


def _objects(connection) -> list[dict]:
    return [node for node in _nodes(connection) or [] if isinstance(node, dict)]


def _renamed(value, names: dict):
    """A GraphQL enum value as REST names it; anything else as it came."""
    return names.get(value, value) if isinstance(value, str) else value


def _oid(commit) -> str | None:
    return commit.get("oid") if isinstance(commit, dict) else None


def rest_user(actor):
    """REST's `user` for a GraphQL actor: a bot's login with its `[bot]`; None for a deleted account; a value
    that is no object as it came (the readers warn about it)."""
    if not isinstance(actor, dict):
        return actor
    login = actor.get("login")
    if login is None:
        return None
    if actor.get("__typename") == "Bot":
        return {"login": login if not isinstance(login, str) or login.endswith("[bot]") else f"{login}[bot]",
                "type": "Bot"}
    return {"login": login, "type": actor.get("__typename") or "User"}


def rest_id(entity, marker: str):
    """REST's id of a review (marker `pullrequestreview-`) or review comment (`discussion_r`); an id that is
    not a number's digits as it came."""
    if not isinstance(entity, dict):
        return None
    for key in ("fullDatabaseId", "databaseId"):
        value = entity.get(key)
        if value is not None:
            return int(value) if isinstance(value, str) and _DIGITS.fullmatch(value) else value
    url = entity.get("url")
    found = re.search(rf"#{marker}(\d{{1,40}})$", url) if isinstance(url, str) else None
    return int(found.group(1)) if found else None


def _label(label):
    return {"name": label.get("name")} if isinstance(label, dict) else label


def rest_pull(node: dict) -> dict:
    """The REST list item of the PR (the fields pull_row reads)."""
    labels = node.get("labels")
    labels = labels.get("nodes") if isinstance(labels, dict) else labels
    return {
        "number": node.get("number"), "title": node.get("title"), "body": node.get("body") or None,
        "user": rest_user(node.get("author")), "state": _renamed(node.get("state"), _STATES),
        "draft": node.get("isDraft"), "created_at": node.get("createdAt"), "updated_at": node.get("updatedAt"),
        "merged_at": node.get("mergedAt"), "closed_at": node.get("closedAt"),
        "base": {"ref": node.get("baseRefName")}, "head": {"ref": node.get("headRefName")},
        "merge_commit_sha": _oid(node.get("mergeCommit")) or _oid(node.get("potentialMergeCommit")),
        "additions": node.get("additions"), "deletions": node.get("deletions"),
        "changed_files": node.get("changedFiles"),
        "labels": [_label(label) for label in labels] if isinstance(labels, list) else labels,
        "html_url": node.get("url"),
    }


def rest_files(node: dict) -> list | None:
    """REST's /pulls/N/files entries (without previous_filename, which GraphQL does not give); None when the
    files connection did not come back."""
    files = _nodes(node.get("files"))
    if files is None:
        return None
    return [{"filename": f.get("path"), "status": _renamed(f.get("changeType"), CHANGE_TYPES),
             "additions": f.get("additions"), "deletions": f.get("deletions")} if isinstance(f, dict) else f
            for f in files]


def rest_reviews(node: dict) -> list | None:
    reviews = _nodes(node.get("reviews"))
    if reviews is None:
        return None
    return [{"id": rest_id(r, "pullrequestreview-"), "user": rest_user(r.get("author")), "state": r.get("state"),
             "submitted_at": r.get("submittedAt"), "body": r.get("body"), "commit_id": _oid(r.get("commit"))}
            if isinstance(r, dict) else r for r in reviews]


def rest_comments(node: dict) -> list | None:
    """REST's /pulls/N/comments: every comment of every review thread; None when the threads (or one thread's
    comments) did not come back."""
    threads = node.get("reviewThreads")
    if _nodes(threads) is None or any(_nodes(t.get("comments")) is None for t in _objects(threads)):
        return None
    return [{"id": rest_id(c, "discussion_r"),
             "pull_request_review_id": rest_id(c.get("pullRequestReview"), "pullrequestreview-"),
             "in_reply_to_id": rest_id(c.get("replyTo"), "discussion_r"), "user": rest_user(c.get("author")),
             "path": c.get("path"), "line": c.get("line"), "original_line": c.get("originalLine"),
             "body": c.get("body"), "created_at": c.get("createdAt")} if isinstance(c, dict) else c
            for thread in _objects(threads) for c in _nodes(thread.get("comments"))]
