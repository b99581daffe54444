"""References to other PRs and issues, each with the sentence around it and what the sentence says about
the relation (etl/parsing/relations.py): the other PR introduced the bug fixed here (regression), is
reverted here (revert), is followed up or completed here (follow_up), or is only mentioned (reference);
and which side came first. Shared by the report parser and the git and GitHub text readers."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace

from . import link_model
from .identity import REPO, pr_number
from .link_features import Place, features, line_form
from .model import PrReference
from .relations import STRENGTH, Relation, classify, closes_issue, sentences, settle, view
from .text import plain

_REF = re.compile(
    rf"(?:https?://)?(?:www\.)?(?:github\.com/)?(?P<urepo>{REPO})/(?P<ukind>pull|issues)/(?P<unum>\d+)"
    rf"|(?P<xrepo>{REPO})#(?P<xnum>\d+)"
    r"|(?P<kw>PR|Pull Request|pull request|PRs|issue|Issue|issues|Issues)\s*[:：]?\s*#\s*(?P<knum>\d+)"
    r"|(?P<kw2>PR|issue|Issue)#(?P<k2num>\d+)"
    r"|(?<![A-Za-z])(?P<kw3>PR|Pull Request|pull request)\s*(?P<k3num>\d{2,})\b"
    r"|(?P<kw4>MR)\s*#\s*(?P<k4num>\d+)"
    r"|(?<![\w&#/])#(?P<num>\d{2,})\b(?!-\w)"  # not a compiler's "warning #68-D"
)
# A markdown link whose label is the number it points to ("[#123](.../pull/123)"), read as the link alone; any
# other label stays beside it ("[this PR](url)" reads "this PR (url)").
_MARKDOWN_LINK = re.compile(r"\[(?P<label>[^\[\]\n]{1,80})\]\((?P<url>https?://[^\s)]+/(?:pull|issues)/(?P<number>\d+)[^\s)]*)\)")
_PR_NUMBER = re.compile(r"\bPR\s*\d", re.I)
_ISSUE_WORD_BEFORE = re.compile(r"issues?\s*$", re.I)
_COUNTER_BEFORE = re.compile(r"\b(?:attempt|attemp|try|take|round|iteration|trial|retry|pass)\s*$", re.I)
# Code gets only explicit references: a bare `#123` there is as likely a comment or a colour.
_EXPLICIT_ONLY = {"code"}
# A number named again and again in one sentence is read at its first few places (a pasted list of the same
# number must not cost a reading per copy).
MAX_READINGS = 3
_BODY = Place("text", "body")


@dataclass(frozen=True)
class Mention:
    """One reference in a sentence, and what the sentence says of it."""
    repo: str | None
    number: int
    kind: str  # pr | issue
    relation: Relation
    sentence: str
    features: tuple[str, ...] = ()  # what the trained reader saw (empty when it did not read)


def mentions(text: str, *, repo: str | None, own_number: int | None, explicit_only: bool = False,
             title_fixes: bool = False, place: Place | None = None) -> Iterator[Mention]:
    """Every reference to another PR or issue in `text`, sentence by sentence, once per (number, kind,
    sentence); the text's own PR is left out. `place` says where the text stands, for the trained reader."""
    if not _may_refer(text):
        return
    if "](" in text:
        text = _MARKDOWN_LINK.sub(_unlinked, text)
    model = link_model.active_model()
    learned = model is not None or link_model.capture is not None
    parts = sentences(text)
    for at, sentence in enumerate(parts):
        if not _may_refer(sentence):
            continue  # cheap test first: most sentences mention nothing
        matches = [m for m in _REF.finditer(sentence) if not (explicit_only and m["num"])]
        spans = [m.span() for m in matches]
        found: dict[tuple[int, str], tuple[str | None, Relation, tuple[str, ...]]] = {}
        readings: Counter = Counter()
        for index, m in enumerate(matches):
            ref_repo, digits, kind = _reference(m, repo, sentence)
            number = pr_number(digits)
            if number is None or (kind == "pr" and number == own_number and ref_repo == repo):
                continue  # no PR can have that number; or the text's own PR
            readings[digits] += 1
            if readings[digits] > MAX_READINGS:
                continue
            if m["num"] and _COUNTER_BEFORE.search(sentence, max(0, m.start() - 12), m.start()):
                continue  # "Attempt #28", "Lint fixes #1": a count, not a reference
            written, closes = _written(m, kind), closes_issue(sentence, spans, index)
            if kind == "pr" and not m["unum"] and closes:  # a /pull/ URL stays a PR
                kind = "issue"
            rule = (classify(sentence, spans, index, title_fixes=title_fixes) if kind == "pr" or learned
                    else Relation("reference", "earlier", "issue"))
            relation, seen = (rule if kind == "pr" else Relation("reference", "earlier", "issue")), ()
            if learned:
                here = replace(place or _BODY, line_form=line_form(sentence))
                following = parts[at + 1] if at + 1 < len(parts) else ""
                seen = tuple(features(view(sentence, spans, index), rule, here, written=written, closes=closes,
                                      others=len(matches) - 1, title_fixes=title_fixes, following=following))
                if link_model.capture is not None:
                    link_model.capture.append((ref_repo, number, list(seen)))
                if model is not None:
                    relation = read(model, seen, rule)
            earlier = found.get((number, kind))
            if earlier is None or STRENGTH[relation.relation] < STRENGTH[earlier[1].relation]:
                found[(number, kind)] = (ref_repo, relation, seen)  # named twice: the stronger reading stands
        settled = settle([relation for _, relation, _ in found.values()])
        for ((number, kind), (ref_repo, _, seen)), relation in zip(found.items(), settled, strict=True):
            yield Mention(ref_repo, number, kind, relation, sentence, seen)


def read(model: link_model.LinkModel, seen: tuple[str, ...] | set[str], rule: Relation) -> Relation:
    """The model's reading of a mention, under the rule's name when the rule read it the same."""
    reading = model.read(list(seen))
    if (rule.relation, rule.referenced_is) == (reading.relation, reading.referenced_is):
        return rule
    return Relation(reading.relation, reading.referenced_is, "model")


def _written(m: re.Match, kind: str) -> str:
    """How the number is written: a /pull/ or /issues/ URL, owner/repo#N, with the word PR or issue, or bare."""
    if m["unum"]:
        return f"url_{m['ukind']}"
    if m["xnum"]:
        return "repo"
    if m["num"]:
        return "issue" if kind == "issue" else "bare"
    return "issue" if kind == "issue" else "pr"


def _may_refer(text: str) -> bool:
    """False when `text` cannot hold a reference: asked of a whole text first (most sections name none, and
    a sentence is part of its text), then of each sentence."""
    if "#" in text or "/pull/" in text or "/issues/" in text:
        return True
    lowered = text.lower()
    return "pull request" in lowered or ("pr" in lowered and _PR_NUMBER.search(text) is not None)


def _unlinked(m: re.Match) -> str:
    label = m["label"].strip()
    if m["number"] in label or label.lower().strip("#* ") in ("pr", "link", "here", "this", "issue", "pull request"):
        return m["url"]
    return f"{label} ({m['url']})"


def _same_repo(written: str, repo: str | None) -> str:
    """A repository as written, under the configured spelling when it is the same one (GitHub ignores case)."""
    return repo if repo and written.lower() == repo.lower() else written


def _reference(m: re.Match, repo: str | None, sentence: str) -> tuple[str | None, str, str]:
    if m["unum"]:
        return _same_repo(m["urepo"], repo), m["unum"], "issue" if m["ukind"] == "issues" else "pr"
    if m["xnum"]:
        return _same_repo(m["xrepo"], repo), m["xnum"], "pr"
    if m["knum"]:
        return repo, m["knum"], "issue" if m["kw"].lower().startswith("issue") else "pr"
    if m["k2num"]:
        return repo, m["k2num"], "issue" if m["kw2"].lower().startswith("issue") else "pr"
    if m["k3num"]:
        return repo, m["k3num"], "pr"
    if m["k4num"]:
        return repo, m["k4num"], "pr"
    kind = "issue" if _ISSUE_WORD_BEFORE.search(sentence[max(0, m.start() - 8):m.start()]) else "pr"
    return repo, m["num"], kind


def find_references(text: str, section: str, *, repo: str | None, own_number: int | None) -> list[PrReference]:
    return [PrReference(repo=m.repo, number=m.number, kind=m.kind, relation=m.relation.relation,
                        referenced_is=m.relation.referenced_is, section=section, sentence=plain(m.sentence)[:1000],
                        cue=m.relation.cue, detail=m.relation.detail)
            for m in mentions(text, repo=repo, own_number=own_number, explicit_only=section in _EXPLICIT_ONLY,
                              place=Place("report", section))]


# The title follows the first number of the bullet and runs to the first colon (possessive quantifiers:
# a bullet of a thousand numbers and no colon must not be tried from every one of them).
_RELATED_TITLE = re.compile(r"^[^#\n]{0,40}+#\s*+\d++\s*+(?P<title>[^:：\n]*+)[:：](?:\s|$)")


def related_title(item: str) -> str | None:
    """The title in a 关联脉络 bullet (`PR #22304 [tiny] Fix ...: description`), unless it is unknown."""
    m = _RELATED_TITLE.match(plain(item))
    if not m:
        return None
    title = m["title"].strip(" -—–")
    return None if not title or "未知" in title or "unknown" in title.lower() else title
