"""What the link reader knows of one mention: features of its clause, its place in the text and the text's
kind, as strings a linear model weighs (etl/parsing/link_model.py). The same function serves training
(bench/train_links.py) and reading, so the model always sees features made the way it was trained on.

Words and character pairs around the mention carry most of it: a left and a right window inside the mention's
clause (Chinese as single characters, so pairs of characters are its words), the nearest tokens by position,
and the clause's words as a bag. On top come closed word classes (failure, fix, revert, negation) with the side
of the mention they stand on, the clause rules' reading (etl/parsing/relations.py) as a hint, how the number is
written (`issue #N`, a /pull/ URL, a closing keyword), where it stands (title, body, a list line, a stack list,
a release-notes list), and the kind of text (a fix, a revert, a reland, release notes: its title's verb,
conventional-commit type or bracket tag)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .relations import FAILURE, FIX, OTHER, REVERT_WORD, TARGET, Relation

WINDOW_TOKENS = 6    # tokens each side that count by side and distance
CLAUSE_TOKENS = 40   # tokens each side that count in the clause bag
_TOKEN = re.compile(r"⟦[ro]⟧|[a-z][a-z0-9_'’-]*|\d+|[\u3400-\u9fff]|[。；;!?！？\n]|[,，:：()（）\"“”`]")
_CLAUSE_END = frozenset("。；;!?！？\n")
_FAILURE = re.compile(FAILURE, re.I)
_FIX = re.compile(FIX, re.I)
_REVERT = re.compile(REVERT_WORD, re.I)
_RELAND = re.compile(r"\bre-?land|\bre-?appl(?:y|ied)|\bre-?submit|\bredo(?:es|ne)?\b|\bcherry[- ]?pick|\bback-?port|"
                     r"重新合入|重新提交|重提|再次合入", re.I)
_FOLLOW = re.compile(r"\bfollow[- ]?ups?\b|\bpart\s*(?:\d+|two|ii)\b|\bremaining\b|\bcontinu\w*|\bextend\w*|"
                     r"\bbuilds? on\b|后续|跟进|延续|补齐|补全|第二部分|剩余", re.I)
# A negation close before a failure or fix word takes its force away ("didn't break", "not a regression",
# "without errors", "未导致", "没有报错", "不是回归").
_NEGATION = re.compile(r"\b(?:not|no|never|without|didn'?t|doesn'?t|don'?t|isn'?t|wasn'?t|won'?t|cannot|can'?t|"
                       r"nothing|none)\b|[未没无非不]", re.I)
_CHANGE = (r"add(?:s|ed)?|introduc(?:e|es|ed)|chang(?:e|es|ed)|mov(?:e|es|ed)|renam(?:e|es|ed)|remov(?:e|es|ed)|"
           r"refactor(?:s|ed)?|split|switch(?:es|ed)|replac(?:e|es|ed)|made|turn(?:s|ed)|flip(?:s|ped)|"
           r"enabl(?:e|es|ed)|disabl(?:e|es|ed)|updat(?:e|es|ed)|hoist(?:s|ed)|start(?:s|ed)|modif(?:y|ies|ied)|"
           r"convert(?:s|ed)|drop(?:s|ped)|delet(?:e|es|ed)|bump(?:s|ed)|upgrad(?:e|es|ed)|migrat(?:e|es|ed)|"
           r"rewr(?:ote|ites)|rework(?:s|ed)|alter(?:s|ed)|set(?:s)?|made")
_CHANGE_ZH = r"引入|修改|改成|改为|改了|删除|删掉|移除|去掉|重构|新增|增加|加入|调整|替换|切换|改动|变更"
_CHANGES = re.compile(rf"\b(?:{_CHANGE})\b|{_CHANGE_ZH}", re.I)
# The mention as the subject of a change: "#N added X", "#N (title) moved Y", "#N 把 X 改成了 Y".
_AGENT = re.compile(rf"^\s*(?:\)|\]|\([^)]{{0,80}}\)|'s|’s|[:：])?\s*(?:\w+\s+)?(?:{_CHANGE})\b"
                    rf"|^\s*(?:中|里)?\s*(?:把|将)?[^，。；]{{0,12}}?(?:{_CHANGE_ZH})", re.I)
_NO_LONGER_NEEDED = re.compile(r"\bno longer\s+(?:needed|required|necessary|used|useful|relevant|applies|"
                               r"supported|maintained)|不再(?:需要|必要|使用|适用)", re.I)

_CLASSES = (("fail", _FAILURE), ("fix", _FIX), ("revert", _REVERT), ("reland", _RELAND), ("follow", _FOLLOW),
            ("change", _CHANGES))

# The roles a sentence gives its parts, in the order they come: who did what, what went wrong, what came after.
# "本 PR 引入的 X 后由该 PR 修复" reads this>change>fail? ... that>later>fix; "#N 并没有引入这个 hang" reads
# R>neg_change. Pairs and triples of these, around the mention, carry word order without the words.
_ROLES = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in (
    ("mention", r"⟦R⟧"), ("other", r"⟦O⟧"),
    ("this", r"本\s*pr|本次(?:改动|修改|提交)?|本修复|\bthis (?:pr|change|commit|patch|fix)\b|\bwe\b|\bhere\b"),
    ("that", r"该\s*pr|该改动|该提交|那个\s*pr|它|其(?!他|余|中|实)|\bthat (?:pr|change|commit|patch)\b"
             r"|\bit\b"),
    ("persist", r"依然存在|仍然存在|仍会|依旧|\bstill (?:fails?|happens|reproduces|occurs|crash\w*|hangs?)"
                r"|\bpersists?\b"),
    ("cause", r"导致|造成|引起|源于|根因|根源|罪魁|归因|\bbecause\b|\bdue to\b|\bcaus\w+|\broot cause|\bculprit|"
              r"\btraced?\b|\bbisect\w*|起因|原因"),
    ("depend", r"依赖|基于|\bbased on\b|\bdepends? on\b|\brel(?:y|ies) on\b|\bbuilds? on\b|\bon top of\b"),
    ("similar", r"类似|相似|同样|\bsimilar\b|\bsame as\b|\blike\b"),
    ("test", r"测试|单测|用例|\btests?\b"),
    ("later", r"后续|随后|之后|后来|后由|后经|后被|后又|\blater\b|\bsubsequently\b|\bafterwards?\b|\bthen\b"),
    ("before", r"之前|此前|原先|\bpreviously\b|\bbefore\b|\bearlier\b|\bprior\b"),
    ("passive", r"被|\bby\b"),
    ("revert", REVERT_WORD), ("reland", _RELAND.pattern), ("follow", _FOLLOW.pattern), ("fix", FIX),
    ("fail", FAILURE), ("change", rf"\b(?:{_CHANGE})\b|{_CHANGE_ZH}"),
)), re.I)
_NEGATABLE = frozenset(("fail", "fix", "cause", "change", "revert"))

# The kind of text, from its title: conventional-commit types, bracket tags and leading verbs.
_TITLE_KINDS = (
    ("revert", re.compile(r"^\W*(?:\[[^\]]*\]\s*)*revert|^\W*\[revert\]|回滚|撤销", re.I)),
    ("reland", re.compile(r"^\W*(?:\[[^\]]*\]\s*)*\[?re-?land|^\W*(?:\[[^\]]*\]\s*)*re-?(?:apply|submit)|"
                          r"cherry[- ]?pick|back-?port", re.I)),
    ("release", re.compile(r"^\W*(?:release|bump|prepare|v?\d+\.\d+(?:\.\d+)?\b)|\brelease notes?\b|"
                           r"\bchangelog\b|\bversion\s+v?\d", re.I)),
    ("fix", re.compile(r"^\W*(?:\[[^\]]*\]\s*)*(?:(?:hot|bug|quick)?fix|fixes|fixed|fixing|repair|patch|"
                       r"resolve|workaround|修复)|\[(?:[^\]]*\b)?(?:bug|fix|hotfix|bugfix)\b|^\W*fix\(", re.I)),
    ("docs", re.compile(r"^\W*(?:\[[^\]]*\]\s*)*(?:docs?|documentation|readme)\b", re.I)),
    ("test", re.compile(r"^\W*(?:\[[^\]]*\]\s*)*(?:tests?|ci)\b|^\W*\[(?:ci|test)", re.I)),
    ("refactor", re.compile(r"^\W*(?:\[[^\]]*\]\s*)*(?:refactor|cleanup|clean up|chore|style|lint|remove|"
                            r"delete|rename)", re.I)),
    ("feature", re.compile(r"^\W*(?:\[[^\]]*\]\s*)*(?:feat|add|support|implement|introduce|enable|new)\b", re.I)),
)


@dataclass(frozen=True)
class Place:
    """Where a mention stands: which kind of text, which part of it, and what the text is."""
    source: str              # report | text (a commit message, or a PR's title and body)
    section: str             # a report section name; for a text: title | body
    title_kind: str = "other"  # see title_kind()
    line_form: str = "prose"   # prose | list | listed_commit | stack | trailer | heading


def title_kind(title: str | None) -> str:
    """What kind of change a title announces: revert, reland, release, fix, docs, test, refactor, feature, other."""
    for kind, pattern in _TITLE_KINDS:
        if pattern.search(title or ""):
            return kind
    return "other"


_LISTED_COMMIT = re.compile(r"^\s*[*-]\s+.*\(#\d+\)\s*$")
_STACK_LINE = re.compile(r"^\s*\*\s+(?:__->__\s+)?#\d+\s*$")
_LIST_LINE = re.compile(r"^\s*(?:[*+•-]|\d+[.)])\s+")
_TRAILER = re.compile(r"^\s*[A-Z][\w-]*(?: [\w-]+)?:\s")


def line_form(line: str) -> str:
    """The shape of the line a mention stands in."""
    if _STACK_LINE.match(line):
        return "stack"
    if _LISTED_COMMIT.match(line):
        return "listed_commit"
    if _LIST_LINE.match(line):
        return "list"
    if line.lstrip().startswith("#"):
        return "heading"
    if _TRAILER.match(line):
        return "trailer"
    return "prose"


def features(view: str, rule: Relation, place: Place, *, written: str, closes: bool, others: int,
             title_fixes: bool = False, following: str = "") -> list[str]:
    """The mention's features. `view` is its sentence as the rules see it (the mention as ⟦R⟧, other mentions as
    ⟦O⟧); `rule` their reading; `written` how the number is written (bare | pr | issue | url_pull | url_issue |
    repo); `closes` whether a closing keyword governs it; `others` how many other mentions share the sentence;
    `title_fixes` whether the text's title announces a fix; `following` the next sentence, read for its word
    classes when it names no other number ("#N changed X. This broke Y.")."""
    out = [
        "bias", f"src:{place.source}", f"sec:{place.source}:{place.section}", f"tk:{place.title_kind}",
        f"line:{place.line_form}", f"written:{written}", f"rule:{rule.relation}:{rule.referenced_is}",
        f"cue:{rule.cue}", f"others:{min(others, 3)}",
    ]
    if closes:
        out.append("closes")
    if title_fixes:
        out.append("title_fixes")
    if place.title_kind != "other":
        out.append(f"tk_rule:{place.title_kind}:{rule.relation}")
    tokens = _TOKEN.findall(view.lower())
    try:
        at = tokens.index(TARGET.lower())
    except ValueError:
        return out
    left = _clause(tokens, at, -1)
    right = _clause(tokens, at, +1)
    for side, part in (("L", left), ("R", right)):
        for distance, token in enumerate(part[:WINDOW_TOKENS], 1):
            if distance <= 2:
                out.append(f"{side}{distance}:{token}")
            out.append(f"{side}:{token}")
        for first, second in zip(part[:WINDOW_TOKENS], part[1:WINDOW_TOKENS + 1], strict=False):
            out.append(f"{side}2g:{second}_{first}" if side == "L" else f"{side}2g:{first}_{second}")
        for token in set(part[:CLAUSE_TOKENS]):
            out.append(f"C:{token}")
    if not left:
        out.append("first_in_clause")
    out += _role_sequence(view)
    classes = _word_classes(view)
    if following and "#" not in following and "/pull/" not in following:
        classes += [f"next:{c}" for c in _classes_of(following)]
    out += classes
    out += [f"{place.title_kind}&{c}" for c in classes]
    return out


def _role_sequence(view: str) -> list[str]:
    """Pairs and triples of the roles around the mention, in the order the sentence gives them (see _ROLES)."""
    roles: list[str] = []
    for match in _ROLES.finditer(view):
        role = match.lastgroup
        if role in _NEGATABLE and _NEGATION.search(view, max(0, match.start() - 10), match.start()):
            role = "neg_" + role
        if not roles or roles[-1] != role:
            roles.append(role)
    if "mention" not in roles:
        return []
    at = roles.index("mention")
    near = roles[max(0, at - 3):at + 4]
    out = [f"seq2:{a}>{b}" for a, b in zip(near, near[1:], strict=False)]
    out += [f"seq3:{a}>{b}>{c}" for a, b, c in zip(near, near[1:], near[2:], strict=False)]
    return out


def _clause(tokens: list[str], at: int, step: int) -> list[str]:
    """The tokens from the mention outwards (nearest first) to the end of its clause."""
    found, i = [], at + step
    while 0 <= i < len(tokens) and tokens[i] not in _CLAUSE_END and len(found) < CLAUSE_TOKENS:
        found.append(tokens[i])
        i += step
    return found


def _word_classes(view: str) -> list[str]:
    """Closed word classes of the clause, by the side of the mention they stand on, negated or not."""
    at = view.find(TARGET)
    start = max(view.rfind(ch, 0, at) for ch in "。；;!?！？\n") + 1
    ends = [i for i in (view.find(ch, at) for ch in "。；;!?！？\n") if i >= 0]
    clause_left, clause_right = view[start:at], view[at + len(TARGET):min(ends) if ends else len(view)]
    out = [f"{c}:L" for c in _classes_of(clause_left)] + [f"{c}:R" for c in _classes_of(clause_right)]
    if _AGENT.match(clause_right):
        out.append("wc:agent_of_change")  # "#N added X", "#N's change to Y": the mention made a change
    return sorted(set(out))


def _classes_of(text: str) -> list[str]:
    """The word classes in `text`, each marked when a negation stands just before it."""
    text = _NO_LONGER_NEEDED.sub(" ", text.replace(OTHER, " "))
    out = []
    for name, pattern in _CLASSES:
        for match in pattern.finditer(text):
            negated = _NEGATION.search(text, max(0, match.start() - 14), match.start()) is not None
            out.append(f"wc:{name}{':neg' if negated else ''}")
    return sorted(set(out))
