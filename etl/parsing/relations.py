"""What a sentence says about a PR it mentions, in Chinese report prose and in English commit and PR text.

The reading is clause-level and by role, not by keyword presence: the mention being classified is put in
the sentence as ⟦R⟧ (other mentions as ⟦O⟧), and ordered rules ask where it stands. Is ⟦R⟧ the object of a
revert ("Revert #N", "回滚了 #N"), the agent of one ("reverted in #N", "已被 revert（#N）", "首版在 #N 中被回滚"),
the cause of a failure ("broken by #N", "#N 引入的", "#N changed X, which broke Y", "#N 之后仍沿用旧的 X"),
the fixer of this PR's bug ("fixed in #N"), or what this PR continues ("follow-up to #N", "takes over and
supersedes #N", "跟进 #N")? Causes of failure are recognised generally, as a causal position of ⟦R⟧ plus a
word of failure from one closed class (errors, crashes, drops, flakiness, "no longer", "still assumes the
old"), so a new way of saying that a PR broke something does not need a new rule. Anything else is a
reference; "regression test", "see #N", "similar to #N" and an issue closed by "Fixes #N" never make a
regression.

Every answer carries its cue (the rule's name), so a stored link says why it was read that way."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

TARGET, OTHER = "⟦R⟧", "⟦O⟧"
R = r"(?:pr\s*|pull request\s*|pull\s*|mr\s*)?⟦R⟧"  # the mention, with the word that may stand before it
GAP = r"[^。；;!?！？⟦\n]{0,80}?"  # within one clause, never across another mention
SHORT = r"[^。；;!?！？⟦\n]{0,24}?"

# What counts as something going wrong. One closed class, shared by every causal rule.
_FAILURE_EN = (r"errors?|exceptions?|fail(?:s|ed|ing|ures?)?|crash(?:es|ed|ing)?|broke|broken|breaks?|breakage|"
               r"regress(?:ed|es|ions?)?|wrong|incorrect(?:ly)?|mismatch(?:es|ed)?|hangs?|hung|deadlocks?|leaks?|"
               r"flaky|flakiness|degrad\w*|slow(?:er|down|s)?|no longer|nans?|garbage|garbled|corrupt\w*|"
               r"(?:accuracy|throughput|performance|perf|quality|hit rate|acceptance(?: rate)?)\s+(?:\w+\s+)?"
               r"(?:drops?|dropped|decreased|fell)|"
               r"diverg(?:e|es|ed|ing|ence)|"
               r"overflow\w*|out[- ]of[- ]bounds|segfaults?|invalid|bugs?|oom|stale|rejects?|rejected|"
               r"divid\w* by zero|division by zero|"
               r"never (?:stops|ends|returns|finishes|terminates|completes|works|loads|converges)|"
               r"illegal (?:memory )?access|segmentation fault|core ?dump(?:ed|s)?|"
               r"(?:returns?|returning|returned|gives?|giving)\s+(?:an?\s+)?empty|"
               r"empty (?:strings?|outputs?|responses?)|"
               r"(?:latency|memory|time|overhead)\s+(?:\w+\s+)?(?:doubled|tripled|increased|grew|spiked|went up)|"
               r"(?-i:\w*(?:Error|Exception)\w*)")
_FAILURE_ZH = (r"错误|报错|异常|失败|崩溃|挂掉|卡死|卡住|死锁|泄漏|泄露|不稳定|随机失败|偶发|"
               r"(?<!延迟)(?<!时延)(?<!耗时)(?<!开销)(?<!占用)下降|"
               r"降低(?![^，。；,;]{0,24}?(?:开销|延迟|时延|显存|内存|耗时|占用|成本|负载))|"
               r"(?:吞吐|性能|准确率|精度|命中率|速度)\S{0,4}?(?:掉了|掉到|变差)|"
               r"重复输出|反复输出|输出重复|误杀|误判|无响应|起不来|对不上|不正确|不准确|不生效|失灵|丢失|错乱|"
               r"(?:没有|未)(?:考虑|处理|检查|覆盖|包含|同步|更新|释放|初始化)|非法内存访问|段错误|返回空|空输出|隐患|"
               r"偏离预期|不符合预期|与预期不符|低于预期|不及预期|只有预期的|有误|被截断|一直红|变红|飘红|拿不到|收不到|"
               r"性能(?:回退|倒退)|重复计算|"
               r"退化|变慢|不再|失效|不一致|不匹配|不符|越界|溢出|乱码|脏数据|无法|不能|出错|回归|缺陷|"
               r"异常值|精度损失|除以零|除零|"
               r"骤降|暴跌|下滑|掉到|降到|跌到|跌破|变差|恶化|劣化|"
               r"(?:延迟|耗时|时延|时间|显存|内存|开销|占用)[^，。；,;]{0,16}?"
               r"(?:翻倍|增加|上升|升高|飙升|暴涨|变长|变大|翻了?\s*[一两二三四\d]+\s*倍)")
# What counts as something going wrong. One closed class, shared by every causal rule.
FAILURE = rf"(?:\b(?:{_FAILURE_EN})\b|{_FAILURE_ZH})"
FIX = (r"(?:\bfix(?:es|ed|ing)?\b|\brepair(?:s|ed)?\b|\brestor(?:e|es|ed|ing)\b|\bunbreak(?:s|ing)?\b|"
       r"修复|修正|解决|恢复|修掉|修好|纠正)")
REVERT_WORD = (r"(?:\brevert(?:s|ed|ing)?\b|\broll(?:s|ed)?[- ]?back\b|\bback(?:s|ed)? out\b|回滚|撤销|撤回|"
               r"撤了回去|撤掉|撤下|下掉|还原|反向提交)")
ADV = r"[^。；;!?！？⟦\n，,]{0,8}?"  # an adverb or two between a mention and its verb ("整体", "随即")
# A failure or a fix said not to have happened ("didn't break anything", "not a regression", "without errors",
# "does not fix", "no longer needed", "没有报错"): it makes no causal link.
_NEGATED = (r"\b(?:not|never|no|without|didn'?t|doesn'?t|don'?t|isn'?t|wasn'?t|aren'?t|weren'?t|won'?t|cannot|"
            r"can'?t|nothing|none of)\b(?:\s+(?:a|an|any|the|cause[sd]?|causing|introduce[sd]?|introducing|see|seen|"
            r"real|known|further|new|more|single|observable|actually|really|longer))?"
            rf"(?:\s+(?:a|an|any|the|real|new|further))?\s+(?:{_FAILURE_EN}|fix(?:es|ed)?|resolve[sd]?|break(?:s)?)\b"
            r"|\bno longer\s+(?:needed|required|necessary|used|useful|relevant|applies|happens|occurs|appears|"
            r"reproduces|shows up|triggers|fails|crashes|errors|hangs)\b"
            r"|(?:没有|没|未|并未|并没有|不再|无)(?:出现|发现|引起|导致|造成|引入|再)?(?:任何)?"
            r"(?:报错|错误|崩溃|异常|失败|问题|回归|泄漏|卡死|不一致)")
_NEUTRAL = (  # phrases that hold a strong word without its meaning
    (re.compile(r"(?:non-?)?regression[- ]tests?|regression suite|回归测试|回归验证|回归用例|回归检查|"
                r"回退(?:路径|方案|逻辑|机制|分支|策略|到)|"
                r"fall ?back(?: path| to)?|revert(?:ed|s)? to (?:the )?(?:old|previous|default)|"
                r"错误处理|异常处理|error[- ]handling|exception[- ]handling", re.I), "NEUTRAL"),
    (re.compile(_NEGATED, re.I), "NEUTRAL"),
)


# A word or pronoun standing for the mentioned PR later in its clause ("该 PR 引入了…", "it broke …").
THAT_PR = (r"(?:该\s*pr|此\s*pr|这个\s*pr|那个\s*pr|它|其|\bthis pr\b|\bthat pr\b|\bit\b|"
           r"(?:这一|这个|该|此|那次|这次)(?:改动|修改|变更|提交))")
# The mention opening its sentence, as a 关联脉络 bullet's does ("- PR #N title: …", the title taken out).
BULLET_R = r"^\s*(?:[-*+•]\s*)?(?:pr\s*)?⟦R⟧"
THIS_PR = r"(?:本\s*pr|本次改动|本次修改|this pr|this change)"
# The mentioned PR, named again by a pronoun (a 关联脉络 bullet: "- PR #N title: 本 PR 将其回退").
IT = r"(?:其|它|该\s*pr|这个\s*pr|那个\s*pr)"
# The failure is only feared or avoided, not reported.
HYPOTHETICAL = re.compile(r"避免|防止|以免|以防|万一|如果|若|可能会|或许|\bto avoid\b|\bprevent|\bin case\b|\bif\b|"
                          r"\bmight\b|\bcould\b|\bwould\b", re.I)

@dataclass(frozen=True)
class Relation:
    relation: str        # revert, regression, follow_up, reference
    referenced_is: str   # earlier: the mentioned PR came first; later: it came after this one
    cue: str             # the rule that decided
    detail: str | None = None  # e.g. supersedes


@dataclass(frozen=True)
class _Rule:
    name: str
    relation: str
    referenced_is: str
    pattern: re.Pattern
    detail: str | None = None
    needs: re.Pattern | None = None   # a further condition on the whole clause (a failure, a fix)
    unless: re.Pattern | None = None  # and what must not be there
    # Cheap tests before the pattern, which costs a scan from every character: a word that must be there
    # (lower case), and whether the pattern cannot match without a failure word.
    gate: tuple[str, ...] | None = None
    failure: bool = False


def _rule(name: str, relation: str, referenced_is: str, pattern: str, detail: str | None = None,
          needs: str | None = None, unless: str | None = None, gate: tuple[str, ...] | None = None,
          failure: bool = False) -> _Rule:
    return _Rule(name, relation, referenced_is, re.compile(pattern, re.I), detail,
                 re.compile(needs, re.I) if needs else None, re.compile(unless, re.I) if unless else None,
                 gate, failure)


_REVERT_GATE = ("revert", "roll", "back", "undo", "回滚", "撤", "回退", "还原", "下掉", "反向")


# Order matters: the first rule that matches decides. Passive and agent forms come before the active ones
# that share their words ("reverted in #N" before "revert #N").
RULES: tuple[_Rule, ...] = (
    # -- mentions that only point somewhere
    _rule("sibling", "reference", "earlier",
          rf"{BULLET_R}\s*(?:同样|同为|同属|同是|也是|也属于?|亦|类似地?|一样)"
          rf"|{R}{SHORT}(?:同为|同属|同样是|也是)\s*{SHORT}(?:修复|fix|改动|优化)"
          rf"|(?:与|和|跟|同)\s*{R}\s*(?:一样|类似|相同|相似)",
          gate=("同", "也", "亦", "类似", "一样")),
    _rule("similar_elsewhere", "reference", "earlier",
          rf"{R}{GAP}(?:类似|相似|相同|同样)的?{SHORT}(?:{FAILURE}|问题|现象){GAP}(?:根因|原因|成因)\s*(?:不同|不一样|无关)"
          rf"|{R}{SHORT}(?:有人|也)\s*(?:遇到|碰到|报告)过?{SHORT}(?:类似|相似|相同|同样)",
          gate=("类似", "相似", "相同", "同样")),
    _rule("see_also", "reference", "earlier",
          rf"(?:\bsee(?: also)?|\bcf\.?|\bsimilar(?:ly)? to|\blike|\bsame as|\bas in|\brelated(?: to|:)|\brefs?:?|"
          rf"参考|参照|对照|借鉴|参见|类似于?|详见|同样见)\s*{R}"
          rf"|\b(?:the|a|an)\s+(?:\w+\s+){{0,2}}(?:fixed|reported|discussed|described|benchmarked)\s+(?:in|by)\s+{R}"
          rf"|\b(?:reported|described|discussed|mentioned|noted|tracked|raised|filed|seen|benchmarked)\s+"
          rf"(?:in|at|by|on)\s+{R}"
          rf"|(?:在|于)\s*{R}\s*(?:中|里)?\s*(?:讨论|提到|提及|报告|反馈|描述|记录)"
          rf"|{R}\s*(?:中)?\s*(?:曾|也|已)\s*(?:报告|反馈|提到|记录|讨论)(?:过|了)?|{R}\s*(?:报告|反馈|记录)(?:过|了)"
          rf"|\b(?:unrelated|not related|independent)\s+(?:to|of|from)\b{GAP}{R}"
          rf"|{R}{SHORT}(?:无关|无直接关系|没有关系)",
          gate=("see", "cf", "similar", "like", "same as", "as in", "related", "ref", "fixed", "reported", "discussed",
                "described", "benchmarked", "mentioned", "noted", "tracked", "raised", "filed", "seen", "unrelated",
                "independent", "参考", "参照", "对照", "借鉴", "参见", "类似", "详见", "同样见", "讨论", "提到", "提及",
                "报告", "反馈", "描述", "记录", "无关", "无直接关系", "没有关系")),
    # -- revert: the mention reverted this PR (it came later)
    _rule("reverted_by", "revert", "later",
          rf"(?:reverted|rolled back|backed out)\s+(?:\w+\s+){{0,3}}?(?:in|by|via|with)\s+{R}"),
    _rule("被R回滚", "revert", "later", rf"被\s*{R}{ADV}{REVERT_WORD}"),
    _rule("被回滚(R)", "revert", "later", rf"被\s*{REVERT_WORD}(?:了)?\s*[（(]\s*{R}"),
    _rule("在R中被回滚", "revert", "later", rf"在\s*{R}\s*(?:中|里|时)?\s*(?:被|遭)?\s*{REVERT_WORD}"),
    _rule("R_reverts_this", "revert", "later",
          rf"{R}{GAP}(?:{REVERT_WORD})(?:了|掉)?\s*{THIS_PR}",
          gate=_REVERT_GATE),
    _rule("R中把本PR撤回", "revert", "later",
          rf"{R}{GAP}(?:把|将)\s*{THIS_PR}\s*(?:的)?\s*(?:改动|修改)?{SHORT}(?:{REVERT_WORD}|回退)"),
    _rule("本PR被其撤回", "revert", "later",
          rf"{R}{GAP}{THIS_PR}{SHORT}被\s*{IT}{SHORT}(?:{REVERT_WORD}|回退)"),
    _rule("revert_commit_is_R", "revert", "later",
          rf"(?:回退|回滚|撤销|撤回|revert)\s*(?:提交|pr|commit)\s*(?:为|是|:|：)\s*{R}",
          needs=rf"{THIS_PR}|本次"),
    _rule("this_change_broke_fixed_by_R", "regression", "later",
          rf"\b(?:this|the)\s+(?:change|pr|patch)\b{GAP}(?:{FAILURE}){GAP}\b(?:which|that)?\s*{R}\s+"
          rf"(?:later\s+|then\s+|subsequently\s+)?(?:fixed|repaired|resolved|patched|corrected)"
          rf"|\b(?:this|the)\s+(?:change|pr|patch)\b{GAP}(?:{FAILURE})[^。.!?⟦\n]{{0,80}}?[;；,，]\s*{R}\s+(?:later\s+)?"
          rf"(?:fix|fixes|fixed|address|addresses|addressed|resolves|resolved|repairs|repaired|patches|patched)\b"),
    _rule("R_reverted_this", "revert", "later",
          rf"{R}\s*(?:reverted|reverts|回滚了|撤销了)\s*(?:this|it|本\s*pr|该\s*pr|这个\s*pr|此\s*pr|本次(?:改动|修改)?)"
          rf"|{THIS_PR}{GAP}[：:，,]\s*{R}\s*(?:{REVERT_WORD})了?\s*(?:其|它的|全部|所有|整个)?\s*(?:的)?\s*(?:改动|修改|变更)"),
    # -- regression, the other way: the mention fixed what this PR broke
    _rule("fixed_by", "regression", "later",  # only when the text speaks of its own change's fault
          rf"\b(?:fixed|repaired|addressed|resolved|patched|corrected)\s+(?:later\s+)?(?:in|by|via)\s+{R}",
          needs=r"\b(?:this|it|its|the new|known issue|introduced here)\b|本\s*pr|该\s*pr|本次|该改动|该实现",
          unless=r"\b(?:should|will|would|might|could|may)\s+be\s+(?:\w+\s+)?fixed"),  # a hope, not a fix
    _rule("由R修复", "regression", "later",
          rf"(?:在|由|被|经)\s*{R}\s*(?:中|里)?{ADV}(?:被|得到|得以)?\s*(?:修复|修正|解决|补救)"),
    _rule("本PR引入的由其修复", "regression", "later",
          rf"{R}{GAP}{THIS_PR}{GAP}(?:引入|导致|造成|带来)的?{SHORT}(?:由|被)\s*{IT}\s*(?:修复|修正|解决)"
          rf"|{R}{GAP}{IT}\s*(?:修复|修正|解决)了?\s*{THIS_PR}\s*(?:引入|导致|造成|带来)",
          gate=("本", "this pr", "this change")),
    _rule("合入后的问题R修正", "regression", "later",
          rf"(?:合入|上线|发布)(?:之?后|以后){GAP}(?:{FAILURE}){GAP}[，,]\s*{R}\s*(?:对此|对该问题|随后|后来|之后)\s*"
          rf"(?:做了|进行了|作了|给出了)?\s*(?:修复|修正|修改|处理)"
          rf"|(?:合入|上线|发布)(?:之?后|以后){GAP}(?:{FAILURE}){GAP}[，,]{SHORT}(?:提交|提出|发起)了?\s*{R}\s*"
          rf"(?:来|予以|进行)?\s*(?:修复|修正|解决)"),
    _rule("后续R修复", "regression", "later", rf"(?:后续|随后|之后|后来)\s*(?:的)?\s*{R}{SHORT}(?:修复|修正|解决)"),
    # -- follow-up, the other way
    _rule("followed_up_by", "follow_up", "later",
          rf"\b(?:followed up|continued|completed|finished|taken over)\s+(?:later\s+)?(?:in|by)\s+{R}"),
    _rule("rest_left_to_R", "follow_up", "later",
          rf"(?:剩余|剩下|其余|其他|余下)的?{SHORT}(?:留给|交给|留待|留到|放到)\s*{R}"
          rf"|\b(?:left|deferred|postponed)\s+(?:for|to|until)\s+{R}"
          rf"|\bwill be (?:done|handled|addressed|added) in\s+{R}"
          rf"|(?:由|交给)\s*{R}\s*(?:来)?\s*(?:跟进|继续|完成|补上|实现)"
          rf"|(?:放在|留在|放到|留到)\s*{R}\s*(?:中|里)?\s*(?:做|完成|处理|实现|解决)"),
    _rule("superseded_by", "follow_up", "later", rf"\b(?:superseded|replaced)\s+by\s+{R}", "supersedes"),
    _rule("被R替代", "follow_up", "later", rf"被\s*{R}\s*(?:所)?\s*(?:替代|取代|接替|跟进|补全)", "supersedes"),
    _rule("后续R", "follow_up", "later",
          rf"(?:后续|随后的|之后的|后来的|later|subsequent|upcoming|next)\s*(?:的)?\s*{R}"),
    _rule("reverting_R_cures", "regression", "earlier",
          rf"(?:回退|回滚|撤销|还原|\brevert(?:ing)?)\s*(?:掉|了)?\s*{R}\s*(?:之?后|以后)?{SHORT}"
          rf"(?:问题|bug|报错|崩溃|错误)?\s*(?:就|便)?\s*(?:消失|不再出现|恢复正常|不再复现)"
          rf"|\breverting\s+{R}\s+(?:makes|made)\s+(?:the|it|this)\s+(?:\w+\s+)?(?:go away|disappear)"),
    # -- revert: this PR reverts the mention
    _rule("revert_R", "revert", "earlier",
          rf"\b(?:revert(?:s|ed|ing)?|undo(?:es|ing)?|back(?:s|ing)? out|roll(?:s|ing)? back)\b\s*(?:of\s+|commit\s+)?"
          rf"(?:(?:part|parts|some|most|half|much)\s+of\s+)?(?:the\s+)?(?:\w+\s+)?(?:changes?\s+(?:of|from|in)\s+)?{R}"),
    _rule("revert_quoted_title", "revert", "earlier",
          rf"\brevert(?:s|ing)?\s*[\"“'][^\"”']*⟦R⟧|\brevert(?:s|ing)?\s*[\"“][^\"”]*[\"”]\s*[（(]?\s*{R}"
          rf"|\brevert(?:s|ing)?\s*[\"“'][^\n⟦]*⟦R⟧\s*\)?\s*[\"”']"),
    _rule("reverts_it", "revert", "earlier",
          rf"{R}{GAP}(?:对它|对其|对该\s*pr)的?\s*(?:{REVERT_WORD})"
          rf"|{R}{GAP}(?:将|把)\s*(?:{IT}|相关|这些|该|这一|这个)\s*(?:的)?\s*(?:改动|修改|变更|提交)?{SHORT}"
          rf"(?:{REVERT_WORD}|回退)",
          gate=_REVERT_GATE),
    _rule("R的反向提交", "revert", "earlier", rf"{R}\s*(?:的)\s*(?:反向提交|反向合入|回滚提交|revert)"),
    _rule("回滚R", "revert", "earlier", rf"(?:{REVERT_WORD}|回退)(?:了|掉)?\s*{R}"
          rf"|恢复(?:了|到|成)?\s*{R}\s*(?:之前|以前)的|(?:将|把)\s*{R}{SHORT}(?:{REVERT_WORD}|回退)(?:了|掉)?"
          rf"|\brestor(?:e|es|ed|ing)\s+(?:\w+\s+){{0,3}}?(?:before|prior to)\s+{R}"
          rf"|{R}{GAP}(?:决定|需要|只能|只好|先|暂时)?\s*(?:{REVERT_WORD})(?:了)?\s*(?:它|其|该\s*pr)(?![的之])"),
    _rule("R被回滚", "revert", "earlier",
          rf"{R}\s*(?:的)?(?:改动|修改|变更|提交|实现)?\s*(?:已|已经)?\s*(?:被|遭)\s*(?:本\s*pr|本次|此次|这次|完整)?\s*"
          rf"{REVERT_WORD}"),
    # -- follow-up: this PR continues the mention
    _rule("takes_over", "follow_up", "earlier", rf"\btakes?\s+over\s+(?:and\s+supersedes\s+)?{R}", "supersedes"),
    _rule("supersedes", "follow_up", "earlier",
          rf"\bsuper(?:s|c)ee?de?s?\s+{R}|\breplaces?\s+{R}", "supersedes"),  # supersedes, often misspelt
    _rule("failure_started_with", "regression", "earlier",
          rf"{FAILURE}\s+(?:\w+\s+)?(?:started|began|appeared|showed up|surfaced|came)\s+"
          rf"(?:with|in|after|since|from)\s+{R}",
          failure=True),
    _rule("follow_up_to", "follow_up", "earlier",
          rf"\bfollow[- ]?ups?\b\s*(?:to|of|for|on|from)?\s*{R}|\bfollows?\s+(?:up\s+)?(?:on\s+)?{R}"
          rf"|\bfollow[- ]?ups?\s+(?:\w+\s+)?(?:promised|planned|mentioned|announced|proposed)\s+(?:in|by)\s+{R}"
          rf"|\b(?:completes?|continues?|extends?|finishes)\s+{R}|\bbuild(?:s|ing)?\s+on\s+(?:top\s+of\s+)?{R}"
          rf"|\b(?:completes?|continues?|finishes)\s+(?:the\s+)?(?:work|effort|migration|refactor\w*|changes?|series)\s+"
          rf"(?:in|from|of|started in|begun in)\s+{R}"
          rf"|\b(?:second|third|next|final|last)\s+(?:step|part|phase|stage)\s+(?:after|of|following)\s+{R}"
          rf"|\b(?:address(?:es|ing)?|resolv(?:es|ing))\s+(?:the\s+)?(?:remaining|outstanding|leftover|unresolved)\s+"
          rf"(?:review\s+)?(?:comments?|feedback|items?|todos?)\s+(?:on|from|in|of)\s+{R}"
          rf"|\bpart\s+(?:\d+|two|three|ii)\s+of\s+{R}|\bre-?lands?(?:ing)?\s+(?:of\s+)?{R}"
          rf"|\b(?:stacked|based)\s+on\s+(?:top\s+of\s+)?{R}"
          rf"|\bmissing\s+(?:change|changes|piece|pieces|part|parts|bits?)\s+(?:of|from|in)\s+{R}"
          rf"|\b(?:remaining|rest of the)\s+\w+\s+(?:of|from)\s+{R}"
          rf"|\b(?:started|begun|began|initiated|kicked off|proposed)\s+(?:in|by|with)\s+{R}"
          rf"|\bcontinuation\s+of\s+{R}|\bsecond\s+(?:half|part|step)\s+of\s+{R}"
          rf"|\bpick(?:s|ing)?\s+up\s+(?:where|from)\s+{R}|\bwhere\s+{R}\s+left\s+off"),
    _rule("reland_R", "follow_up", "earlier", rf"\bre-?land(?:ed|ing|s)?\b\]?{GAP}[（(]?\s*{R}"),
    _rule("R_follow_up", "follow_up", "earlier", rf"{R}\s*(?:'s)?\s*(?:follow[- ]?up|part\s+2|second half)"),
    # the same change submitted again: a reland, a cherry-pick or backport, a copy opened to run CI
    _rule("resubmits_R", "follow_up", "earlier",
          rf"{R}\s*[（(]?\s*(?:re-?land(?:ed|ing)?|cherry[- ]?pick(?:ed)?|backport(?:ed)?|ci\s+run|"
          rf"re-?submi(?:t|tted|ssion))\b"
          rf"|\b(?:cherry[- ]?pick(?:s|ed|ing)?|backport(?:s|ed|ing)?|re-?submit(?:s|ting|ted)?|re-?do(?:es|ing)?|"
          rf"redid)\s+(?:of\s+)?{R}"
          rf"|\b(?:cherry[- ]?pick(?:s|ed|ing)?|backport(?:s|ed|ing)?)\s+(?:[\w-]+\s+){{0,4}}?(?:from|of)\s+{R}"
          # "Title (#12) (#34)", "Title #12 (#34)": #12's commit merged again ("… from #12 and #13 (#34)" is not)
          rf"|[（(]\s*⟦R⟧\s*[)）]\s*[（(]\s*⟦O⟧\s*[)）]\s*$"
          rf"|(?<!\bfrom )(?<!\band )(?<!\bin )(?<!\bof )(?<!\bfor )(?<!\bto )(?<!\bby )(?<!\bwith )(?<!, )"
          rf"(?<!\bafter )⟦R⟧\s*[（(]\s*⟦O⟧\s*[)）]\s*$"),
    _rule("earlier_attempt_R", "follow_up", "earlier",
          rf"\b(?:previous|earlier|prior|original|first|older)\s+(?:\w+\s+){{0,2}}?"
          rf"(?:attempts?|try|tries|versions?|iterations?|migration|implementation|pr|work)\s*(?:[:(（]|\bin\b|\bat\b)?\s*{R}",
          unless=rf"⟦R⟧{GAP}(?:\b(?:made|makes|caused|causes|broke|breaks)\b|导致|造成|{FAILURE})"),
    _rule("R曾尝试", "follow_up", "earlier",
          rf"{R}\s*(?:中|里)?\s*(?:曾|曾经|此前|之前|先前|也)\s*(?:尝试|试图|试过)|(?:曾|曾经|此前|之前|先前)\s*(?:在|由)\s*{R}\s*(?:中|里)?\s*(?:尝试|试图|试过)"
          rf"|\b(?:tried|attempted)\s+(?:\w+\s+){{0,3}}?(?:in|by)\s+{R}|{R}\s+(?:tried|attempted)\b",
          unless=rf"⟦R⟧{GAP}(?:导致|造成|引入|\b(?:broke|caused)\b)",
          gate=("尝试", "试图", "试过", "tried", "attempted")),
    _rule("基于本PR", "follow_up", "later",
          rf"{R}{GAP}(?:基于|在)\s*{THIS_PR}\s*(?:的)?{SHORT}(?:基础上|之上|继续|扩展|推广)|{R}{GAP}基于\s*{THIS_PR}"),
    _rule("将在R中", "follow_up", "later",
          rf"(?:另开|另起|单独开|另提)\s*(?:一个)?\s*pr\s*[（(]?\s*{R}"
          rf"|(?:剩余|剩下|其余|余下)的?{SHORT}(?:在|于|由)\s*{R}\s*(?:中|里)?\s*(?:完成|实现|处理|提交|跟进|解决)"
          rf"|(?:会|将|计划|准备|打算|承诺|答应)\s*(?:在|于)\s*{R}\s*(?:中|里)"
          rf"|(?:会|将|计划|准备|打算|承诺|答应)\s*(?:在|于)\s*{R}\s*(?:单独|另行|继续|再)?\s*"
          rf"(?:提交|实现|处理|完成|跟进|解决|补上|补充)"),
    _rule("沿用R", "follow_up", "earlier",
          rf"(?:沿用|沿袭|延用|继承|复用|采用)了?\s*{R}\s*(?:的|中的)?\s*(?:大部分|部分|全部|主要)?\s*"
          rf"(?:方案|思路|设计|做法|实现|代码|改动)"
          rf"|{R}{GAP}(?:在此之上|在其基础上|在它的基础上|在此基础上|基于它|基于此)"
          rf"|(?:落实|响应|采纳)了?\s*{R}\s*(?:中|里)?\s*的?\s*(?:评审|review|审阅)?\s*(?:意见|建议|反馈)"
          rf"|对\s*{R}\s*(?:中|里)?\s*的?\s*(?:评审|review|审阅)?\s*(?:意见|建议|反馈)\s*的?\s*(?:落实|响应)"),
    _rule("替换R的临时方案", "follow_up", "earlier",
          rf"(?:把|将)\s*{R}\s*(?:中|里)?{SHORT}(?:workaround|hack|临时方案|临时修复|权宜之计){SHORT}"
          rf"(?:换成|替换为|替换成|改为|改成)"
          rf"|\breplaces?\s+the\s+(?:temporary\s+)?(?:workaround|hack|stopgap)\s+(?:from|in|of)\s+{R}"),
    _rule("R提出的在本PR实现", "follow_up", "earlier",
          rf"{R}\s*(?:中)?\s*(?:提出|设计|规划|定义|起草)的{SHORT}(?:在)?\s*{THIS_PR}\s*(?:中|里)?\s*(?:得到|获得)?(?:了)?\s*"
          rf"(?:完整|最终|正式)?\s*(?:实现|落地|完成)"),
    _rule("在R的基础上", "follow_up", "earlier", rf"(?:在|基于)\s*{R}\s*(?:的)?\s*(?:基础上|基础之上|之上)|基于\s*{R}"
          rf"|在\s*{R}\s*(?:的)?{SHORT}(?:基础)?上\s*(?:补齐|补全|补充|继续|增加|加上|完善|扩展)"
          rf"|{R}{GAP}本\s*pr{SHORT}(?:实现|完成|做|补上)了?\s*(?:phase|part|step|阶段|部分|第)\s*(?:2|3|二|三|ii|两)"),
    _rule("R的第N部分", "follow_up", "earlier",
          rf"{R}{SHORT}的?\s*第\s*[二三四五六七八九十2-9]\s*(?:部分|步|阶段|期|批)"),
    _rule("R只修了一部分", "follow_up", "earlier",
          rf"{R}\s*(?:的|中的|里的)?\s*(?:修复|改动|修改|实现|适配)?\s*(?:只|仅|仅仅|只是)\s*(?:覆盖|处理|修复|修了|改了|支持|实现)"),
    _rule("R_本PR补齐", "follow_up", "earlier",
          rf"{R}{GAP}本\s*pr\s*(?:则|再|继续)?\s*(?:补齐|补全|补上|补完|完成了?|延续|接着)"
          rf"|{R}{GAP}本\s*pr{SHORT}(?:剩下|剩余|其余|余下)的"
          rf"|{R}{GAP}本\s*pr{SHORT}(?:扩展到|推广到|延伸到|扩大到|移植到)"),
    _rule("R_本PR撤销", "revert", "earlier",
          rf"{R}{GAP}本\s*pr\s*(?:则|随即)?\s*(?:撤销|回滚|撤回|回退)了?"
          rf"|{R}{GAP}本\s*pr{SHORT}(?:改回|切回|换回|调回|恢复成|恢复为|退回到?|回退到|回退为|回退成)"
          rf"|{BULLET_R}{GAP}本\s*pr\s*(?:把|将)\s*(?:它|其|该\s*pr)\s*的?{SHORT}(?:关掉|关闭|禁用|去掉|移除|删掉)"
          rf"|(?:去掉|移除|删除|删掉|撤掉)了?\s*{R}\s*(?:中)?\s*(?:加入|引入|添加|新增|增加)的"),
    _rule("跟进R", "follow_up", "earlier",
          rf"(?:跟进|延续|接续|补全|补齐|补上|补完|完善|继续|沿着)\s*(?:了)?\s*{R}|重新(?:合入|提交|引入|落地|实现)\s*(?:了)?{SHORT}{R}"),
    _rule("替代R", "follow_up", "earlier", rf"(?:替代|取代|接替|接手)(?:了)?{SHORT}的?\s*{R}", "supersedes"),
    _rule("重新合入其改动", "follow_up", "earlier",
          rf"{R}{GAP}(?:重新(?:合入|提交|引入|落地)|跟进|延续|接续|补全|完善|\bre-?lands?\b|\bcontinues\b|\bcompletes\b)"
          rf"(?:了)?\s*(?:其|它的|它|该\s*pr\s*的?|\bits\b|\bit\b)"),
    _rule("是其后续", "follow_up", "earlier",
          rf"{R}{GAP}(?:是|为|属于)\s*(?:其|它的|它|该\s*pr\s*的)\s*(?:后续|跟进|延续|延伸|扩展|续作|补充|re-?land)"),
    _rule("R的后续", "follow_up", "earlier",
          rf"{R}\s*(?:的|之)?\s*(?:后续|跟进|延续|续作|第二部分|补充|收尾|配套|re-?land|重新合入|重新提交)|{R}\s*(?:中|里)?\s*(?:遗漏|漏掉|漏改|没有同步|未同步|未完成)"),
    _rule("a_thing_from_R", "reference", "earlier",
          rf"\b(?:the|a|an|other|those|these|similar|same)\s+(?:\w+\s+){{0,2}}"
          rf"(?:fix(?:es)?|changes?|patch(?:es)?|helpers?|harness|scripts?|tests?|kernels?)\s+(?:from|in|of)\s+{R}",
          unless=rf"⟦R⟧{GAP}(?:\b(?:made|makes|caused|causes|broke|breaks)\b|导致|造成|{FAILURE})"),
    # -- regression: the mention introduced what this PR fixes
    _rule("broken_by", "regression", "earlier",
          rf"\b(?:broken|broke|regress(?:ed|ion|ions)?|caused|triggered|exposed)\s+(?:\w+\s+)?"
          rf"(?:by|in|from|since|with|after)\s+(?:(?:a|an|the)\s+(?:[\w-]+\s+){{0,4}}?(?:[\w/.-]+\s*:\s*)?)?{R}"),
    _rule("introduced_by", "regression", "earlier", rf"\bintroduced\s+(?:\w+\s+)?(?:by|in|with)\s+{R}",
          needs=rf"{FAILURE}|{FIX}"),
    _rule("changed_in_R", "regression", "earlier",
          rf"\b(?:removed|deleted|renamed|dropped|moved|changed|refactored|replaced|rewrote|rewritten)\s+"
          rf"(?:\w+\s+)?(?:in|by|with)\s+{R}|{R}\s+(?:removed|deleted|renamed|dropped|moved|changed|refactored)\b",
          needs=rf"{FAILURE}|{FIX}|⟦FIXES⟧"),
    _rule("failure_from", "regression", "earlier",
          rf"\b(?:{FAILURE})\s+(?:\w+\s+){{0,3}}(?:from|in|since|after|introduced by|caused by|of|with)\s+{R}",
          failure=True),
    _rule("accidentally_in_R", "regression", "earlier",
          rf"{R}\s+(?:\w+\s+)?(?:accidentally|inadvertently|mistakenly|unintentionally)\b"
          rf"|\b(?:accidentally|inadvertently|mistakenly|unintentionally)\s+(?:\w+\s+){{0,2}}?(?:in|by)\s+{R}"
          rf"|{R}\s*(?:中|里)?\s*(?:误删|误改|不小心|意外地?)",
          gate=("accidental", "inadvertent", "mistaken", "unintentional", "误删", "误改", "不小心", "意外")),
    _rule("R_broke", "regression", "earlier",
          rf"{R}\s*(?:\)\s*)?(?:has\s+|had\s+|also\s+|accidentally\s+|inadvertently\s+)?"
          rf"(?:broke|breaks|regressed|regresses|caused|causes|exposed|triggered|triggers)\b"),
    _rule("R_which_broke", "regression", "earlier",
          rf"{R}{GAP}\b(?:which|that|and|but|so)\s+(?:\w+\s+)?(?:broke|breaks|caused|causes|regressed)\b"
          rf"|{R}{GAP}\bbut\s+(?:it|this|that)\s+(?:also\s+)?(?:changes|changed|breaks|broke|alters|altered)\b"),
    _rule("fix_from_R", "regression", "earlier",
          rf"{FIX}{GAP}\b(?:from|after|since|introduced (?:in|by)|caused by|left by|in|for|"
          rf"(?:came|arrived|landed|added|shipped|appeared)\s+(?:with|in|by))\s+{R}"),
    _rule("bisected_to_R", "regression", "earlier",
          rf"\bbisect(?:ed|s|ing)?\b{GAP}\b(?:to|points? to|lands? on|blames?|found)\s+{R}"
          rf"|二分\S{{0,8}}?(?:到|出|定位到|指向)\s*(?:了)?\s*{R}"),
    _rule("traced_to_R", "regression", "earlier",
          rf"(?:追溯到|追查到|定位到|归因于|归咎于)\s*{R}|\btraced?\s+(?:back\s+)?to\s+{R}"
          rf"|\b(?:goes|go|went|dates?|dated)\s+back\s+to\s+{R}",
          needs=rf"{FAILURE}|{FIX}|问题|bug"),
    _rule("R之前是对的", "regression", "earlier",
          rf"(?:在|直到)\s*{R}\s*(?:之前|以前){SHORT}(?:是?正确|正常|没问题|没有问题|可以工作|工作正常|能用)"
          rf"|\b(?:worked|was correct|was fine)\s+(?:\w+\s+){{0,2}}?(?:before|until|prior to)\s+{R}"),
    _rule("R是问题来源", "regression", "earlier",
          rf"{R}{GAP}(?:是|为|即)\s*{SHORT}(?:问题|回归|bug|故障|错误)\s*的?\s*(?:来源|源头|根源|起因|原因)"
          rf"|(?:回归|问题|bug|故障|错误)\s*的?\s*(?:来源|源头|根源|出处)\s*(?:是|在|为|在于|:|：)?\s*{R}"
          rf"|{R}{GAP}(?:是|为|即)\s*(?:问题的|本次问题的|回归的|这次回归的)?\s*(?:根本原因|根因|罪魁祸首|元凶|原因所在|直接原因)"),
    _rule("R之后才暴露", "regression", "earlier",
          rf"{R}{GAP}(?:之后|以后|后)\s*才?\s*(?:暴露|出现|显现|浮现|开始出现)",
          needs=rf"{FAILURE}|问题|bug"),
    _rule("failure_that_R_introduced", "regression", "earlier",
          rf"(?:{FAILURE}){SHORT}\b(?:that|which)\s+{R}\s+(?:had\s+)?(?:introduced|caused|brought|added)"),
    _rule("是R带来的", "regression", "earlier",
          rf"(?:是|由)\s*{R}\s*(?:所)?\s*(?:带进来|带入|引入|带来|造成|导致|引起)"
          rf"|是\s*{R}{SHORT}(?:带进来|带入|引入|带来|造成|导致|引起)的",
          needs=rf"{FAILURE}|{FIX}|问题"),
    _rule("comes_from_R", "regression", "earlier",
          rf"\b(?:issue|problem|bug|regression|failure|crash|breakage)\s+(?:\w+\s+)?"
          rf"(?:comes?|came|stems?|stemmed|originates?|originated)\s+from\s+{R}"),
    _rule("started_with_R", "regression", "earlier",
          rf"(?:\bwith|\bafter|\bsince|\bonce)\s+{R}(?:\s+\S+){{0,7}}?\s+(?:started|began|stopped)\s+\w+ing\b"
          rf"|{R}\s*,?\s+which\s+(?:started|stopped)\s+\w+ing\b"),
    _rule("问题始于R", "regression", "earlier",
          rf"(?:{FAILURE}|问题)\S{{0,6}}?\s*(?:最早|最初|首次|是从|从)?\s*(?:出现|引入|产生|开始)\s*(?:在|于|自)\s*{R}"
          rf"|(?:{FAILURE}|问题)\S{{0,6}}?\s*(?:始于|起于|源于|来自|出自)\s*{R}"
          rf"|(?:{FAILURE}|问题)\S{{0,4}}?\s*(?:是)?从\s*{R}\s*(?:合入)?\s*(?:之后)?\s*(?:开始|起)"
          rf"|(?:{FAILURE}|问题)\S{{0,6}}?\s*(?:最早|最初|首次)\s*(?:在|于)\s*{R}{SHORT}(?:出现|暴露)"
          rf"|(?:出问题|出错|有问题|引入问题|引入回归)的\s*(?:提交|pr|改动|commit)\s*(?:是|为|来自|就是)?\s*[:：]?\s*{R}"
          rf"|问题\s*(?:提交|pr|commit)\s*(?:是|为|:|：)\s*{R}",
          gate=("出现", "引入", "产生", "开始", "始于", "起于", "源于", "来自", "出自", "暴露", "出问题", "出错",
                "问题提交", "有问题")),
    _rule("R删改了", "regression", "earlier",
          rf"{R}\s*(?:中|里)?\s*(?:删掉|删除|移除|去掉|去除|改掉|重命名|改名|替换|改成|改为)了?",
          needs=rf"{FAILURE}|{FIX}"),
    _rule("cause_is_R", "regression", "earlier",
          rf"(?:根因|根本原因|罪魁祸首|罪魁|元凶|起因|诱因|源头|原因在于|原因出在|\broot cause\b|\bculprit\b)"
          rf"\s*(?:是|在|为|在于|:|：|\bis\b|\bwas\b)?\s*{R}"),
    _rule("R导致", "regression", "earlier",
          rf"{R}\s*(?:中|里|所|后)?\s*(?:导致|造成|引发|破坏|触发|埋下|致使)|由\s*{R}{SHORT}(?:导致|造成|引发|触发)"),
    _rule("R_causes", "regression", "earlier",
          rf"{R}{GAP}(?:导致|造成|引发|致使|\bcausing\b|\bresulting in\b|\bleading to\b"
          rf"|\b(?:made|makes)\b{GAP}\b(?:drop|lose|ignore|skip|miss|forget)\b)"),
    _rule("that_PR_caused", "regression", "earlier",
          rf"{R}{GAP}{THAT_PR}\s*(?:的\S{{0,8}}?)?\s*(?:引入|导致|造成|引发|破坏|带来|introduced|broke|caused|causes|breaks)"),
    _rule("R引入", "regression", "earlier",
          rf"{R}\s*(?:中|里|所|后)?\s*(?:引入|带来|留下|遗留|埋下)|由\s*{R}{SHORT}(?:引入|带来)",
          needs=rf"{FAILURE}|{FIX}"),
    _rule("修复R引入", "regression", "earlier",
          rf"(?:修复|修正|解决)(?:了)?\s*{R}\s*(?:所|中)?\s*(?:引入|带来|造成|导致)"
          rf"|(?:修复|修正|解决)(?:了)?\s*{R}{SHORT}(?:时|中|里)\s*(?:所)?(?:引入|带来|造成|导致)的"
          rf"|(?:对|针对)\s*{R}\s*的\s*(?:热修复|紧急修复|修复|补丁|hotfix|fix)"
          rf"|\bhot-?fix(?:es)?\s+(?:for|to|of)\s+{R}"),
    _rule("修复R中的失败", "regression", "earlier",
          rf"(?:修复|修正|解决){SHORT}{R}\s*(?:中|里|带来|留下)的?{SHORT}{FAILURE}"),
    _rule("stale_after_R", "regression", "earlier",
          rf"{R}{GAP}(?:仍|仍然|依然|还在|还是|依旧|\bstill\b|\byet\b)\s*{SHORT}"
          rf"(?:旧|老|原来|原有|之前|\bold\b|\bprevious\b|\bformer\b|\blegacy\b)"),
    _rule("affected_since_R", "regression", "earlier",
          rf"(?:受影响|影响范围|affected){GAP}{R}\s*(?:合入|合并|发布|上线|landed|merged)?\s*"
          rf"(?:之?后|以后|以来|and later|onwards)"),
    _rule("since_R_failure", "regression", "earlier",
          rf"(?:\bdue to|\bbecause of|\bafter|\bsince|\bfollowing)\s+{R}|(?:自从|自|因为|由于)\s*{R}"
          rf"|从\s*{R}\s*(?:合入|上线)?{SHORT}(?:开始|起|之后|以后)"
          rf"|\b(?:after|since)\s+(?:upgrading|updating|moving|bumping)\s+(?:past|to|beyond)\s+{R}"
          rf"|{R}\s*(?:(?:合入|合并|落地|上线|发布)\s*(?:之?后|以后|以来)|之后|以后|以来)",
          needs=rf"{FAILURE}|{FIX}"),
    _rule("this_PR_failure_fixed_by_R", "regression", "later",
          rf"{THIS_PR}{GAP}(?:{FAILURE}){GAP}[，,]\s*{R}\s*(?:随后|后来|之后|已)?\s*(?:(?:定位|找到|排查)并)?\s*"
          rf"(?:{FIX}|修正|解决)"),
    _rule("bullet_R_then_this_fixes", "regression", "earlier",
          rf"{BULLET_R}{GAP}(?<![与和跟同比])\s*{THIS_PR}\s*(?:则|随后|因此|于是|已)?\s*(?:{FIX}|修正|补回|改正)(?!的)",
          unless=rf"⟦R⟧\s*(?:也|同样|还|已)?\s*(?:{FIX}|处理)"),  # the bullet's PR fixing something itself
    _rule("R_then_failure", "regression", "earlier",
          rf"{R}{GAP}(?:导致|造成|引发|使得|使|让|以后|之后|后|,|，|then|so|and)?{GAP}(?:{FAILURE})",
          needs=None,
          failure=True),
)
_FIX = re.compile(FIX, re.I)
_FAILURE = re.compile(FAILURE, re.I)
# ("Pull Request resolved: <url>" is how mirrored commits name their own PR, not a closing keyword.)
# ("does not fix #N" closes nothing.)
_CLOSING_KEYWORD = re.compile(r"(?<!not )(?<!n't )(?<!never )"
                              r"\b(?:fix(?:es|ed)?|close[sd]?|(?<!pull request )resolve[sd]?)\s*:?\s*(?:issues?\s*)?"
                              r"(?:⟦O⟧\s*(?:,|and)?\s*)*⟦R⟧\s*(?:$|[.,;)\]]|and\b|\(?⟦O⟧|(?:fix(?:es|ed)?|close[sd]?|resolve[sd]?)\b)",
                              re.I)  # "Close #1 Close #2": hard-wrapped keyword lines read as one sentence
_SENTENCE_SPLIT = re.compile(r"(?<=[。！？；;!?])\s*|(?<=[.])\s+(?=[A-Z\[(#`*-])|\n+")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_SPLIT.split(text) if s and s.strip()]


_LABEL_COLON = re.compile(r"⟦R⟧\s*(?:[（(][^)）⟦]{0,24}[)）])?\s*[:：]\s*")  # "#N (原名未知):" too
WINDOW = 240  # characters either side of the mention that its rules read: every rule is local to a clause


def view(sentence: str, spans: list[tuple[int, int]], target: int) -> str:
    """The sentence around mention `target` (WINDOW characters either side), the mention as ⟦R⟧ and the
    others as ⟦O⟧, neutral phrases blanked. Local, so a sentence of many mentions costs linear time."""
    low, high = max(0, spans[target][0] - WINDOW), spans[target][1] + WINDOW
    first = bisect.bisect_left(spans, (low, -1))
    parts, last = [], low
    for i in range(first, len(spans)):
        start, end = spans[i]
        if start >= high:
            break
        if start < last:
            continue
        parts.append(sentence[last:start])
        parts.append(TARGET if i == target else OTHER)
        last = end
    parts.append(sentence[last:max(last, high)])
    # "PR #N: 引入了…" (a 关联脉络 bullet whose title was taken out): what follows the colon is said of #N
    text = _LABEL_COLON.sub(TARGET + " ", "".join(parts))
    for pattern, replacement in _NEUTRAL:
        text = pattern.sub(replacement, text)
    return text


def classify(sentence: str, spans: list[tuple[int, int]], target: int, *, title_fixes: bool = False) -> Relation:
    """How the sentence relates the mention at `spans[target]` to the PR whose text it is. `title_fixes`: the
    PR's title says it fixes something (a commit body explains the fix its subject names)."""
    text = view(sentence, spans, target) + (" ⟦FIXES⟧" if title_fixes else "")
    lowered, failure = text.lower(), None
    for rule in RULES:
        if rule.gate is not None and not any(word in lowered for word in rule.gate):
            continue
        if rule.failure:
            if failure is None:
                failure = _FAILURE.search(text) is not None
            if not failure:
                continue
        match = rule.pattern.search(text)
        if not match:
            continue
        if rule.needs is not None and not rule.needs.search(text):
            continue
        if rule.unless is not None and rule.unless.search(text):
            continue
        if rule.name in ("R_then_failure", "R_causes") and (
                _fixed_on_the_way(text, match) or HYPOTHETICAL.search(text)
                or (rule.name == "R_then_failure" and not _says_failure_after(text))):
            continue
        return Relation(rule.relation, rule.referenced_is, rule.name, rule.detail)
    return Relation("reference", "earlier", "mention")


STRENGTH = {"revert": 0, "regression": 1, "follow_up": 2, "reference": 3}


def settle(relations: list[Relation]) -> list[Relation]:
    """Relations of the mentions of one sentence, read together: when one mention is named as the cause
    ("#1502 引入的问题已在 #1533 修复"), the mention that fixed it fixed that one's bug, not this PR's."""
    cause_named = any(r.relation == "regression" and r.referenced_is == "earlier" for r in relations)
    return [Relation("reference", "earlier", "fixes_another", r.detail)
            if cause_named and r.relation == "regression" and r.referenced_is == "later" else r
            for r in relations]


def _fixed_on_the_way(text: str, match: re.Match) -> bool:
    """A fix between the mention and the failure it is tied to: "#N 修复了崩溃" says #N fixed it. (A fix after
    the failure word, as in "导致本 PR 修复的回归", is this PR's.)"""
    start = text.find(TARGET) + len(TARGET)
    return bool(_FIX.search(text, start, match.end()))


def _says_failure_after(text: str) -> bool:
    """The failure word stands after the mention, in its clause (not a failure the sentence says was fixed
    before the mention came up)."""
    after = text.split(TARGET, 1)[1].replace(" ⟦FIXES⟧", "")
    clause = re.split(r"[。；;!?！？⟦\n]", after, maxsplit=1)[0]
    return bool(re.search(FAILURE, clause[:120], re.I))


def closes_issue(sentence: str, spans: list[tuple[int, int]], target: int) -> bool:
    """GitHub's closing keywords ("Fixes #12", "closes #12"): the number is an issue's."""
    return bool(_CLOSING_KEYWORD.search(view(sentence, spans, target)))


def says_fix(title: str) -> bool:
    """A title that announces a fix or names a failure ("Fix ...", "修复 ...", "Skip failed test ..."): the body
    then explains what broke."""
    return bool(re.search(FIX, title or "", re.I) or re.search(FAILURE, title or "", re.I))
