"""The judgement parts of a report: summary bullets, risks (with a risk level), impact, risk flags, and
review highlights with the people they name."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .model import ReviewHighlight
from .text import items, join_folded, plain, split_list, strip_bullet

_SUMMARY_LABEL = re.compile(
    r"^(?:\*\*)?\s*(?P<label>一句话(?:总结)?|推荐动作|推荐|建议|关注点|One-liner|Recommendation)"
    r"\s*(?:\*\*)?\s*[:：]\s*",
    re.I,
)
# `- 风险：`, `- 影响：`, `- 风险标记：` at a line start or after ` - ` in a line that PDF text glued together.
_RISK_LABEL = re.compile(
    r"(?:^|\n|\s-\s)\s*(?:[-*•]\s*)?(?:\*\*)?\s*"
    r"(?P<label>风险标记|风险等级|风险|影响|Risk flags|Risk level|Risks?|Impact)"
    r"\s*(?:\*\*)?\s*[:：]\s*",
    re.I,
)
_LEVELS = (
    ("high", re.compile(r"高风险|风险(?:较|很|偏|极)?高|高危|high(?:\s+risk)?\b", re.I)),
    ("medium", re.compile(r"中等风险|中风险|风险(?:中等|适中|一般)|中等|medium|moderate", re.I)),
    ("low", re.compile(r"低风险|风险(?:较|很|偏|极)?低|风险可控|low(?:\s+risk)?\b", re.I)),
)
_CATEGORY = re.compile(
    r"^(?P<topic>.+?)\s*[(（]\s*"
    r"(?P<category>[A-Za-z][A-Za-z /_-]{1,30}|正确性|设计|性能|测试|可维护性|风格|安全)\s*[)）]"
    r"\s*[:：]?\s*(?P<text>.*)$"
)
_NOTHING = re.compile(r"^(暂无|无|没有|None|N/A)")
# A highlight whose bullet a copied page dropped: a short topic, its category in brackets, a colon.
_BARE_HIGHLIGHT = re.compile(r"^[^。，,；;！？:：]{1,60}?[(（][^()（）]{1,30}[)）]\s*[:：]")
LOGIN = r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){1,38}(?:\[bot\])?"
_ACTIONS = (r"批准|指出|建议|回应|认为|提出|评论|表示|确认|询问|要求|approved|suggested|pointed out|asked|noted|"
            r"commented")
# Each way a login is named, with a cheap test of the text that rules it out (most text names nobody):
# the two searches that start with a login would otherwise try one at every character.
_PEOPLE = (
    (re.compile(rf"`?(?P<login>{LOGIN}\[bot\])`?"), lambda text: "[bot]" in text),
    (re.compile(rf"(?:作者|reviewer|Reviewer|审阅者|维护者|评审人|由|被|@)\s*`?(?P<login>{LOGIN})`?"), None),
    (re.compile(rf"`?(?P<login>{LOGIN})`?\s*(?:的)?\s*(?:{_ACTIONS})"), re.compile(_ACTIONS).search),
)
_LOWER_OR_DIGIT = re.compile(r"[a-z0-9]")
_TOPIC_END = re.compile(r"[:：]")
_SENTENCE_END = re.compile(r"(?<=[。！？.!?])\s*")
_NOT_PEOPLE = {"pr", "ci", "bot", "review", "reviewer", "lgtm", "gemini", "the", "and", "body", "commit", "code",
               "issue", "test", "tests", "api", "gpu", "cpu", "npu", "amd", "cuda"}


@dataclass
class Summary:
    one_liner: str | None = None
    recommendation: str | None = None
    text: str | None = None


@dataclass
class Risks:
    risk_text: str | None = None
    impact: str | None = None
    flags: list[str] = field(default_factory=list)
    level: str = "unknown"


def parse_summary(lines: list[str]) -> Summary:
    summary = Summary()
    paragraphs: list[str] = []
    for item in items(lines, blank_ends_item=False, starts_item=_SUMMARY_LABEL):
        body = strip_bullet(item)
        m = _SUMMARY_LABEL.match(body)
        value = plain(body[m.end():]) if m else plain(body)
        label = m["label"] if m else None
        if label and label.startswith(("一句话", "One")):
            summary.one_liner = summary.one_liner or value
        elif label:
            joined = join_folded(summary.recommendation or "", value if label != "关注点" else f"关注点：{value}")
            summary.recommendation = joined
        elif value:
            paragraphs.append(value)
    summary.text = "\n".join(plain(strip_bullet(i)) for i in items(lines)) or None
    if summary.one_liner is None and paragraphs:
        first = _SENTENCE_END.split(paragraphs[0], maxsplit=1)[0]
        summary.one_liner = first[:200]
    return summary


def risk_level(text: str | None) -> str:
    if not text:
        return "unknown"
    found = [(m.start(), level) for level, pattern in _LEVELS if (m := pattern.search(text))]
    return min(found)[1] if found else "unknown"


def _drop_repeated_label(value: str, label: str) -> str:
    # `影响：影响：...` appears in real reports; keep one.
    return re.sub(rf"^(?:{re.escape(label)}\s*[:：]\s*)+", "", value.strip())


def parse_risks(lines: list[str]) -> Risks:
    text = "\n".join(lines)
    risks = Risks()
    marks = list(_RISK_LABEL.finditer(text))
    if not marks:
        risks.risk_text = plain(text) or None
        risks.level = risk_level(risks.risk_text)
        return risks
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        label = m["label"].lower()
        value = _drop_repeated_label(text[m.end():end], m["label"])
        folded = "\n".join(items(value.split("\n"))) if value else ""
        if label in ("风险标记", "risk flags"):
            risks.flags.extend(f for f in split_list(folded.replace("\n", "、")) if f not in risks.flags)
        elif label in ("风险等级", "risk level"):
            risks.level = risk_level(folded) if risk_level(folded) != "unknown" else risks.level
        elif label in ("风险", "risk", "risks"):
            risks.risk_text = join_folded(risks.risk_text or "", plain(folded)) if risks.risk_text else (
                plain(folded) or None)
        else:
            risks.impact = plain(folded) or risks.impact
    if risks.level == "unknown":
        risks.level = risk_level(risks.risk_text)
    return risks


def people_named(text: str) -> list[str]:
    found: list[str] = []
    for pattern, may_name in _PEOPLE:
        if may_name is not None and not may_name(text):
            continue
        for m in pattern.finditer(text):
            login = m["login"]
            if login.lower() in _NOT_PEOPLE or login.isdigit() or len(login) < 3 or login in found:
                continue
            if not _LOWER_OR_DIGIT.search(login):  # all caps words are acronyms, not logins
                continue
            found.append(login)
    return found


def parse_review(lines: list[str]) -> tuple[str | None, list[ReviewHighlight], list[str]]:
    summary_parts: list[str] = []
    highlights: list[ReviewHighlight] = []
    for item in items(lines):
        is_bullet = strip_bullet(item) != item.strip()
        body = plain(strip_bullet(item))
        if not is_bullet and not _BARE_HIGHLIGHT.match(body):
            summary_parts.append(body)
            continue
        if _NOTHING.match(body):
            continue
        if m := _CATEGORY.match(body):
            topic, category, text = m["topic"], m["category"].strip().lower(), m["text"]
        else:
            topic, text = (_TOPIC_END.split(body, maxsplit=1) + [""])[:2]
            category = None
        highlights.append(ReviewHighlight(topic=topic.strip(), category=category, text=text.strip() or None,
                                          people=people_named(body)))
    named = people_named("\n".join(lines))
    return ("\n".join(summary_parts) or None), highlights, named
