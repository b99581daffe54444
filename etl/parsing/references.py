"""References to other PRs and issues, each with the sentence around it and what the sentence says
about the relation: the other PR introduced the bug fixed here (regression), is reverted here
(revert), is followed up or completed here (follow_up), or is only mentioned (reference). A sentence
can also say the relation runs the other way: a later PR reverted, fixed or followed up this one."""

from __future__ import annotations

import re

from .identity import REPO
from .model import PrReference
from .text import plain, sentences

_REF = re.compile(
    rf"(?:github\.com/)?(?P<urepo>{REPO})/(?P<ukind>pull|issues)/(?P<unum>\d+)"
    rf"|(?P<xrepo>{REPO})#(?P<xnum>\d+)"
    r"|(?P<kw>PR|Pull Request|pull request|PRs|issue|Issue|issues|Issues)\s*[:：]?\s*#\s*(?P<knum>\d+)"
    r"|(?P<kw2>PR|issue|Issue)#(?P<k2num>\d+)"
    r"|(?<![\w&#/])#(?P<num>\d{2,})\b"
)
# Code gets only explicit references: a bare `#123` there is as likely a comment or a colour.
_EXPLICIT_ONLY = {"code"}
_RELATION_PATTERNS = (
    ("revert", re.compile(r"回滚|回退|撤销|撤回|\brevert", re.I)),
    ("follow_up", re.compile(
        r"missing change|follow[- ]?up|的后续|后续工作|跟进|补全|补齐|遗漏|漏改|未同步|"
        r"re-?land|重新合入|重新提交|完善了?\s*(?:PR\s*)?#|completes?", re.I)),
    ("regression", re.compile(r"引入|导致|回归|regression|introduced|broke|breaks|caused by|造成|破坏", re.I)),
)


def _later_cue(sentence: str, start: int, end: int) -> bool:
    """True when the sentence says the referenced PR came after this one."""
    before = sentence[max(0, start - 12):start]
    after = sentence[end:end + 12]
    if re.search(r"(后续|随后|之后|后来|后被|later|subsequently)\s*(?:的)?\s*(?:PR|pr)?\s*$", before, re.I):
        return True
    if re.search(r"被\s*(?:PR\s*)?$", before) and re.search(r"^\s*(?:所)?(回滚|回退|撤销|修复|跟进|替代)", after):
        return True
    wider = sentence[max(0, start - 40):start]
    return bool(re.search(r"(reverted|fixed|followed up|superseded|replaced)\s+(?:by|in)\s+(?:PR\s*)?$",
                          wider, re.I))


def classify(sentence: str, spans: list[tuple[int, int]]) -> list[str]:
    """The relation of each reference span in the sentence. Each relation word belongs to the reference
    nearest to it, so in "#1502 引入的问题已在 #1533 修复" only #1502 is the regression; a reference with
    several words takes the strongest (revert, then follow_up, then regression)."""
    if not spans:
        return []
    found: list[set[str]] = [set() for _ in spans]
    for relation, pattern in _RELATION_PATTERNS:
        for word in pattern.finditer(sentence):
            distances = [max(start - word.end(), word.start() - end, 0) for start, end in spans]
            found[distances.index(min(distances))].add(relation)
    order = [relation for relation, _ in _RELATION_PATTERNS]
    return [next((r for r in order if r in words), "reference") for words in found]


def find_references(text: str, section: str, *, repo: str | None, own_number: int | None) -> list[PrReference]:
    refs: list[PrReference] = []
    seen: set[tuple[int, str, str]] = set()
    for sentence in sentences(text):
        if "#" not in sentence and "/pull/" not in sentence and "/issues/" not in sentence:
            continue  # cheap test first: most sentences mention nothing
        matches = [m for m in _REF.finditer(sentence) if not (section in _EXPLICIT_ONLY and m["num"])]
        relations = classify(sentence, [m.span() for m in matches])
        for m, relation in zip(matches, relations, strict=True):
            kind = "pr"
            ref_repo = repo
            if m["unum"]:
                ref_repo, number = m["urepo"], int(m["unum"])
                kind = "issue" if m["ukind"] == "issues" else "pr"
            elif m["xnum"]:
                ref_repo, number = m["xrepo"], int(m["xnum"])
            elif m["knum"]:
                number = int(m["knum"])
                kind = "issue" if m["kw"].lower().startswith("issue") else "pr"
            elif m["k2num"]:
                number = int(m["k2num"])
                kind = "issue" if m["kw2"].lower().startswith("issue") else "pr"
            else:
                number = int(m["num"])
                if re.search(r"issue\s*$", sentence[max(0, m.start() - 7):m.start()], re.I):
                    kind = "issue"
            if kind == "pr" and number == own_number and ref_repo == repo:
                continue
            key = (number, kind, sentence)
            if key in seen:
                continue
            seen.add(key)
            relation = relation if kind == "pr" else "reference"
            referenced_is = "later" if kind == "pr" and _later_cue(sentence, m.start(), m.end()) else "earlier"
            refs.append(PrReference(repo=ref_repo, number=number, kind=kind, relation=relation,
                                    referenced_is=referenced_is, section=section,
                                    sentence=plain(sentence)[:1000]))
    return refs


_RELATED_TITLE = re.compile(r"#\s*\d+\s*(?P<title>.*?)\s*[:：](?:\s|$)")


def related_title(item: str) -> str | None:
    """The title in a 关联脉络 bullet (`PR #22304 [tiny] Fix ...: description`), unless it is unknown."""
    m = _RELATED_TITLE.search(plain(item))
    if not m:
        return None
    title = m["title"].strip(" -—–")
    return None if not title or "未知" in title or "unknown" in title.lower() else title
