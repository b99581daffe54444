"""What the risk model reads from the warehouse: the features of marts.pr_risk_features (defined there, in SQL,
and nowhere else) beside the outcomes of marts.pr_risk_labels, and how each feature is said in words when it
raises a PR's score."""

from __future__ import annotations

import pandas as pd

FEATURES_TABLE = "marts.pr_risk_features"
LABELS_TABLE = "marts.pr_risk_labels"
KEY_COLUMNS = ("pr_key", "repo", "merged_at")  # the features table's columns that are not features

# How a feature that raised the score is shown: a phrase with the PR's value. A feature without one is said
# by its name (tests/test_risk.py fails on a feature the SQL defines and this does not phrase).
WORDS = {
    "lines_added": "{:,.0f} lines added",
    "lines_deleted": "{:,.0f} lines deleted",
    "files_changed": "{:,.0f} files changed",
    "modules_touched": "{:,.0f} modules touched",
    "folders_touched": "{:,.0f} folders touched",
    "change_entropy": "lines spread over many files (entropy {:.1f} bits)",
    "test_file_share": "{:.0%} of its files are tests",
    "doc_file_share": "{:.0%} of its files are documentation",
    "new_files": "{:,.0f} new files",
    "file_prior_changes": "its files changed {:,.0f} times before",
    "file_recent_changes": "its files changed {:,.0f} times in the 90 days before",
    "file_prior_authors": "up to {:,.0f} people changed its files before",
    "file_prior_fixes": "its files were changed by {:,.0f} earlier fixes",
    "file_prior_bugs": "its files were changed by {:,.0f} earlier PRs later found to introduce a bug",
    "file_bug_share": "up to {:.0%} of a file's earlier changes were later found to introduce a bug",
    "file_days_since_change": "its files last changed {:,.0f} days before (on average)",
    "file_age_days": "its files are {:,.0f} days old (on average)",
    "module_prior_changes": "its modules saw {:,.0f} earlier PRs",
    "module_prior_bugs": "its modules saw {:,.0f} earlier PRs later found to introduce a bug",
    "module_bug_share": "up to {:.0%} of a module's earlier PRs were later found to introduce a bug",
    "author_prior_prs": "its author had {:,.0f} earlier PRs",
    "author_recent_prs": "its author had {:,.0f} PRs in the 90 days before",
    "author_prior_bugs": "{:,.0f} earlier PRs of its author were later found to introduce a bug",
    "author_module_prs": "its author had {:,.0f} earlier PRs in these modules",
    "author_file_changes": "its author changed these files {:,.0f} times before",
    "reviews": "{:,.0f} reviews before the merge",
    "reviewers": "{:,.0f} reviewers",
    "review_comments": "{:,.0f} review comments",
    "hours_open": "open {:,.0f} hours before the merge",
    "title_word_bug_share": "a word of its title marked {:.0%} of earlier PRs later found to introduce a bug",
    "title_is_revert": "it is a revert",
    "title_is_reland": "it re-lands earlier work",
    "title_is_fix": "its title says it fixes something",
    "report_risk_level": "its report rates the risk {:.0f} of 3",
    "report_flags": "its report raises {:,.0f} risk flags",
}

# How a feature is said when the PR has no value for it (NaN); the rest: "<feature> unknown".
UNKNOWN_WORDS = {
    "file_days_since_change": "every file it changes is new",
    "file_age_days": "every file it changes is new",
    "reviews": "no GitHub review data",
    "reviewers": "no GitHub review data",
    "review_comments": "no GitHub review data",
    "hours_open": "when it was opened is unknown",
}

# Which way a feature may move the score, where the literature and common sense agree (Kamei et al. 2013):
# larger and more scattered changes, and files and modules with more bugs behind them, are riskier; an
# author's experience makes a change safer. Gradient boosting keeps to these; the rest it may read either way.
DIRECTION = {
    **dict.fromkeys(("lines_added", "lines_deleted", "files_changed", "modules_touched", "folders_touched",
                     "change_entropy", "file_prior_fixes", "file_prior_bugs", "file_bug_share", "module_prior_bugs",
                     "module_bug_share", "title_word_bug_share", "title_is_reland", "report_risk_level",
                     "report_flags"), 1),
    **dict.fromkeys(("author_prior_prs", "author_module_prs", "author_file_changes"), -1),
}


def feature_names(con) -> list[str]:
    """The feature columns, in the table's order."""
    columns = [row[0] for row in con.execute(f"describe {FEATURES_TABLE}").fetchall()]
    return [column for column in columns if column not in KEY_COLUMNS]


def read_frame(con, features: list[str]) -> pd.DataFrame:
    """Every scored PR with its features (as floats, NaN where unknown) and its outcome: label_due_at,
    found_at and introduced_bug (null until matured), from the label model. A report that names no repo is
    scored under the repo '' (grouping by repo would drop it)."""
    values = ", ".join(f"f.{name}::double as {name}" for name in features)
    return con.execute(f"""
        select f.pr_key, coalesce(f.repo, '') as repo, f.merged_at, {values},
               l.label_due_at, l.found_at, l.introduced_bug
        from {FEATURES_TABLE} f left join {LABELS_TABLE} l using (pr_key)
        order by f.repo, f.merged_at nulls last, f.pr_key""").df()


def describe(feature: str, value: float) -> str:
    """The feature and the PR's value, in words."""
    phrase = WORDS.get(feature)
    if value != value:  # NaN: not known for this PR
        return UNKNOWN_WORDS.get(feature, f"{feature.replace('_', ' ')} unknown")
    if phrase is None:
        return f"{feature.replace('_', ' ')}: {value:g}"
    return phrase.format(value) if "{" in phrase else phrase
