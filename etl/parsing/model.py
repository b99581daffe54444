"""The structured record a report parses into. Plain dataclasses: easy to print as JSON and to load."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime


@dataclass
class KeyFile:
    path: str
    module_label: str | None = None
    category: str | None = None
    file_type: str | None = None
    symbols: list[str] = field(default_factory=list)
    description: str | None = None
    status: str | None = None
    importance: str | None = None


@dataclass
class CodeSnippet:
    path: str | None
    language: str | None
    description: str | None
    code: str


@dataclass
class ReviewHighlight:
    topic: str
    category: str | None
    text: str | None
    people: list[str] = field(default_factory=list)


@dataclass
class PrReference:
    """One mention of another PR or issue, with the sentence around it.

    `relation` is one of regression, revert, follow_up, reference. `referenced_is` says which side is
    older: "earlier" when the referenced PR came first (it introduced the bug this report fixes, or
    this report reverts or follows it up), "later" when the text says a later PR reverted, fixed or
    followed up the reported one.
    """

    repo: str | None
    number: int
    kind: str  # "pr" or "issue"
    relation: str
    referenced_is: str
    section: str
    sentence: str
    title: str | None = None
    cue: str | None = None     # the rule that read the relation (etl/parsing/relations.py)
    detail: str | None = None  # e.g. supersedes


@dataclass
class ChangeFigures:
    """The size of the change as the report site's PR page states it (its facts line); the markdown has none."""
    changed_files: int | None = None
    commits: int | None = None
    comments: int | None = None
    additions: int | None = None
    deletions: int | None = None


@dataclass
class ParsedReport:
    report_id: str
    repo: str | None
    pr_number: int | None
    title: str | None
    display_title: str
    merged_at: datetime | None
    author: str | None
    source_url: str | None  # the original link (原文链接), else the provenance comment's URL, else the URL read
    identity_source: str  # header, location, link, surrogate
    repo_source: str | None  # header, location, link, default
    one_liner: str | None = None
    recommendation: str | None = None
    summary: str | None = None
    motivation: str | None = None
    implementation: str | None = None
    implementation_steps: list[str] = field(default_factory=list)
    key_files: list[KeyFile] = field(default_factory=list)
    key_symbols: list[str] = field(default_factory=list)
    code_snippets: list[CodeSnippet] = field(default_factory=list)
    review_summary: str | None = None
    review_highlights: list[ReviewHighlight] = field(default_factory=list)
    reviewers_named: list[str] = field(default_factory=list)
    risk_text: str | None = None
    risk_level: str = "unknown"
    impact: str | None = None
    risk_flags: list[str] = field(default_factory=list)
    changes: ChangeFigures = field(default_factory=ChangeFigures)
    provenance_url: str | None = None  # the URL a `<!-- source: <url> -->` comment names
    references: list[PrReference] = field(default_factory=list)
    sections_found: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    encoding: str | None = None
    body_text: str | None = field(default=None, repr=False)  # the text as read: HTML reduced to its words

    def to_dict(self) -> dict:
        data = asdict(self)
        del data["body_text"]
        data["merged_at"] = self.merged_at.isoformat(sep=" ") if self.merged_at else None
        return data
