"""Link claims in the text a repository writes about its own PRs: commit subjects and bodies, PR titles and
bodies, in English or Chinese. Every mention of another PR is read by the same clause rules as report
sentences (etl/parsing/relations.py); on top of those, the forms git and GitHub write for a revert:

- `Revert "<title>"`: the reverted PR named by its title, which history often cuts with `…` (resolved to a
  PR number in SQL, against git subjects and GitHub titles: warehouse/models/intermediate/link_claims.sql);
- `This reverts commit <sha>.`: resolved to the PR whose commit that is.

Claims are kept with the sentence that makes them and the rule that read them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import link_model
from .comments import HTML_COMMENT
from .link_features import Place, title_kind
from .references import mentions, read
from .relations import STRENGTH, says_fix, sentences

_REVERT_TITLE = re.compile(r'^\s*Revert\s+"(?P<title>.+)"\s*(?:\(#\d+\))?\s*$', re.I)
_REVERTS_COMMIT = re.compile(r"\bThis reverts commit (?P<sha>[0-9a-f]{7,40})\b", re.I)
# `Pull Request resolved: <url>` (Phabricator exports), `Pull-Request: <url>` (ghstack)
_OWN_PR_LINE = re.compile(r"^\s*Pull[- ]Request(?: resolved)?:\s*\S*/pull/(?P<number>\d+)\s*$", re.I | re.M)
_NOISE_LINES = re.compile(r"^\s*(?:Signed-off-by|Co-authored-by|Reviewed-by|Differential Revision|ghstack-source-id|"
                          r"stack-info|"
                          r"Pull[- ]Request(?: resolved)?:|Approved by|Test Plan:?\s*$)[^\n]*$", re.I | re.M)
_FENCED = re.compile(r"^\s*(?:```|~~~).*?(?:^\s*(?:```|~~~)[^\n]*$|\Z)", re.S | re.M)
_NUMBER_SUFFIX = re.compile(r"\s*\(#\d+\)\s*$")
# A title that reverts without naming what: the PRs its body names as doing the change are what it reverts.
_BARE_REVERT = re.compile(r"^\s*(?:\[[^\]]*\]\s*)*"
                          r"(?:revert(?:s|ing)?|back(?:s|ing)? out|roll(?:s|ing)? back|undo|回滚|撤销)\b"
                          r"(?!\s*[\"“])", re.I)
# A title that relands or resubmits without naming what: see _relanded for what it brings back.
_BARE_RELAND = re.compile(r"^\s*(?:\[[^\]]*\]\s*)*\[?\s*(?:re-?land(?:ed|ing)?|re-?submit(?:ted)?|re-?apply|"
                          r"re-?applied)\b", re.I)
# A PR named as the author of a change ("PR #3952 expanded the configs"), not merely cited beside it.
_MADE_CHANGE = re.compile(r"(?:#\d+|/pull/\d+)\)?\s+(?:\w+\s+)?(?:expanded|added|introduced|changed|enabled|switched|"
                          r"moved|made|turned|replaced|refactored|removed|increased|decreased)\b", re.I)
# Words by which a text says it finishes work begun elsewhere, and a PR named as the one that began it.
_CONTINUES = re.compile(r"\b(?:remaining|the rest of|other half|second (?:part|half)|part (?:2|two|ii)|finish(?:es)?|"
                        r"complet(?:es|ing))\b|剩余|其余|剩下", re.I)
_BEGAN_WORK = re.compile(r"(?:#\d+|/pull/\d+)\)?\s+(?:added|introduced|implemented|started|began|landed)\b|"
                         r"\b(?:added|introduced|implemented|started|began)\s+(?:in|by)\s+(?:PR\s*)?(?:#\d+|\S*/pull/\d+)",
                         re.I)
# Hard-wrapped lines of a commit body, joined back into their sentences (lists and code stay apart).
_WRAPPED = re.compile(r"(?<=[^\n])\n(?=[^\n\s*\-+#>`|0-9])")


@dataclass(frozen=True)
class TextClaim:
    ref_repo: str | None
    ref_number: int | None  # None until resolved, for a revert named by title or commit
    ref_kind: str           # pr | issue
    relation: str
    referenced_is: str
    cue: str
    detail: str | None
    evidence: str
    target_title: str | None = None  # Revert "<title>": the title as written (maybe cut with …)
    target_sha: str | None = None    # This reverts commit <sha>


# Readings of a mention that name it as the PR that made a change (not a mere "see #N").
_CHANGE_CUES = {"R_then_failure", "R_causes", "R_broke", "R_which_broke", "that_PR_caused",
                "changed_in_R", "broken_by", "failure_from", "introduced_by", "since_R_failure"}


def own_number(body: str | None) -> int | None:
    """The PR a commit came from, when only its body says so (`Pull Request resolved: .../pull/N`)."""
    m = _OWN_PR_LINE.search(body or "")
    return int(m["number"]) if m and len(m["number"]) <= 9 else None


def text_claims(title: str, body: str | None, *, repo: str | None, own: int | None) -> list[TextClaim]:
    """The links a commit message or a PR's title and body claim."""
    written = body or ""
    body = _NOISE_LINES.sub("", HTML_COMMENT.sub("", written))
    code = "\n".join(_FENCED.findall(body))
    body = _WRAPPED.sub(" ", _FENCED.sub("\n", body))
    fixes = says_fix(title)
    kind = title_kind(title)
    named: dict[tuple, list] = {}  # every place the text names each number
    # Fenced code and logs get only explicit references: a bare `#42` there is a build step or a comment.
    for section, part in (("title", title or ""), ("body", body), ("code", code)):
        for mention in mentions(part, repo=repo, own_number=own, title_fixes=fixes, explicit_only=section == "code",
                                place=Place("text", section, kind)):
            named.setdefault((mention.repo, mention.number, mention.kind), []).append(mention)
    model = link_model.active_model()
    claims: list[TextClaim] = []
    for places in named.values():
        # the strongest reading stands; a model reads all the places together, as it was trained
        mention = min(places, key=lambda m: STRENGTH[m.relation.relation])
        r = mention.relation
        if model is not None and len(places) > 1:
            r = read(model, set().union(*(m.features for m in places)), r)
        claims.append(TextClaim(mention.repo, mention.number, mention.kind, r.relation, r.referenced_is, r.cue,
                                r.detail, mention.sentence[:1000]))
    claims = _listed_commits_as_references(_without_foreign_echoes(claims, repo))
    if _CONTINUES.search(f"{title}\n{body}"):
        # "#1415 added the prepare path. This commit adds the remaining convert path": the PR that began the
        # work, named as its author, is what this one continues
        claims = [TextClaim(c.ref_repo, c.ref_number, c.ref_kind, "follow_up", "earlier", "continues_work_of_R",
                            c.detail, c.evidence)
                  if c.ref_kind == "pr" and c.cue == "mention" and _BEGAN_WORK.search(c.evidence) else c
                  for c in claims]
    if _BARE_RELAND.match(title or ""):
        claims = _relanded(claims, written, repo=repo, own=own)
    reverts_by_number = any(c.relation == "revert" and c.referenced_is == "earlier" for c in claims)
    if _BARE_REVERT.match(title or "") and not reverts_by_number:
        # "Revert the expanded configs (#4024)" + "PR #3952 expanded ...": the body's PRs that made the change
        claims = [TextClaim(c.ref_repo, c.ref_number, c.ref_kind, "revert", "earlier", "revert_named_in_body",
                            c.detail, c.evidence)
                  if c.ref_kind == "pr" and c.relation in ("regression", "reference") and c.referenced_is == "earlier"
                  and (c.cue in _CHANGE_CUES or (c.cue == "mention" and _MADE_CHANGE.search(c.evidence)))
                  else c for c in claims]
        reverts_by_number = any(c.relation == "revert" for c in claims)
    if (m := _REVERT_TITLE.match(title or "")) and not reverts_by_number:
        target = reverted_title(m["title"])
        claims.append(TextClaim(repo, None, "pr", "revert", "earlier", "revert_title", None, title.strip()[:1000],
                                target_title=target))
    for m in _REVERTS_COMMIT.finditer(body):
        sentence = next((s for s in sentences(body) if m["sha"] in s), m.group(0))
        claims.append(TextClaim(repo, None, "pr", "revert", "earlier", "reverts_commit", None, sentence[:1000],
                                target_sha=m["sha"].lower()))
    return claims


def _relanded(claims: list[TextClaim], body: str, *, repo: str | None, own: int | None) -> list[TextClaim]:
    """What a reland brings back: the one PR its text names in passing, or the PR its body says it was
    resolved from (ghstack keeps the original's `Pull Request resolved:` line, which the noise filter drops)."""
    passing = [c for c in claims if c.ref_kind == "pr" and c.cue in ("mention", "listed_commit")]
    brought_back = any(c.relation == "follow_up" and c.referenced_is == "earlier" for c in claims)
    if len(passing) == 1 and not brought_back:  # several: the text is about more than the reland
        claims = [TextClaim(c.ref_repo, c.ref_number, c.ref_kind, "follow_up", "earlier", "reland_named_in_body",
                            c.detail, c.evidence) if c is passing[0] else c for c in claims]
    resolved = own_number(body)
    if resolved is not None and resolved != own and all(c.ref_number != resolved for c in claims):
        line = _OWN_PR_LINE.search(body)[0].strip()
        claims.append(TextClaim(repo, resolved, "pr", "follow_up", "earlier", "reland_of_resolved", None, line))
    return claims


def _listed_commits_as_references(claims: list[TextClaim]) -> list[TextClaim]:
    """A squash commit lists the commits it took in, one a line (`* [CPU] Reland qconv passes (#3433)`): what
    such a line says, it says of the PR at its end, not of this one, so that PR is only a reference."""
    return [TextClaim(c.ref_repo, c.ref_number, c.ref_kind, "reference", "earlier", "listed_commit", None, c.evidence)
            if c.relation != "reference" and re.fullmatch(rf"\s*[*-]\s+.*\(#{c.ref_number}\)\s*", c.evidence)
            else c for c in claims]


def _without_foreign_echoes(claims: list[TextClaim], repo: str | None) -> list[TextClaim]:
    """A bare `#N` that the same text also names as another repository's (`Fix X (#150802)` with
    `Pull Request resolved: https://github.com/pytorch/pytorch/pull/150802`, as mirrored commits read) is that
    repository's PR, not one of this repository's."""
    foreign = {c.ref_number for c in claims if c.ref_repo and repo and c.ref_repo.lower() != repo.lower()}
    if not foreign:
        return claims
    return [c for c in claims if c.ref_number not in foreign or c.ref_repo != repo
            or re.search(rf"{re.escape(repo)}/(?:pull|issues)/{c.ref_number}\b", c.evidence, re.I)]


def reverted_title(quoted: str) -> str:
    """The title inside `Revert "..."`, as the warehouse compares titles: its own `(#N)` and a trailing cut
    mark off (a cut title is matched as a prefix)."""
    return _NUMBER_SUFFIX.sub("", quoted.strip())
