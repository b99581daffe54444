"""Every format variant and kind of noise the parser must survive, each on a small hand-built report."""

import codecs
import html
import re

import pytest

from etl.parsing import parse_bytes, parse_text
from etl.parsing.decoding import UnreadableDocument, decode_document

MINIMAL = """执行摘要
- 一句话: 修一个小问题
风险与影响
- 风险: 低风险
- 风险标记: 缺少测试覆盖
"""


def parse(text, location=None, default_repo=None):
    return parse_text(text, location, default_repo)


# --- identity --------------------------------------------------------------------------------------

@pytest.mark.parametrize("header, number", [
    ("# PR #101 完整报告\n", 101),
    ("PR #102 分析报告\n", 102),
    ("## PR #103: Some title\n", 103),
    ("- 仓库：a/b\n- PR 编号：104\n", 104),
])
def test_number_from_header_forms(header, number):
    assert parse(header + MINIMAL).pr_number == number


def test_labelled_header_fields_full_and_half_width():
    r = parse("# PR #7 完整报告\n\n- 仓库: `owner/repo`\n- 标题：A title\n- 合并时间：2026年4月8日 17:03\n"
              "- 原文链接：<http://prhub.com.cn/owner/repo/pull/7>\n\n" + MINIMAL)
    assert (r.repo, r.title, r.merged_at.isoformat()) == ("owner/repo", "A title", "2026-04-08T17:03:00")
    assert r.source_url == "http://prhub.com.cn/owner/repo/pull/7"


def test_identity_from_site_layout_when_header_lacks_it():
    r = parse(MINIMAL, location="/data/reports/owner/repo/pull/4242/report.md")
    assert (r.repo, r.pr_number, r.identity_source, r.repo_source) == ("owner/repo", 4242, "location", "location")
    r = parse(MINIMAL, location="https://reports.example/owner/repo/pull/4243")
    assert (r.pr_number, r.source_url) == (4243, "https://reports.example/owner/repo/pull/4243")


def test_identity_from_original_link_in_text():
    r = parse(MINIMAL + "原文链接：http://prhub.com.cn/o/r/pull/55\n", location="/tmp/inbox/x.md")
    assert (r.repo, r.pr_number, r.identity_source) == ("o/r", 55, "link")


def test_header_beats_location():
    r = parse("PR #9 完整报告\n" + MINIMAL, location="/x/o/r/pull/10/report.md")
    assert r.pr_number == 9


def test_unnumbered_report_gets_a_stable_surrogate():
    a = parse(MINIMAL, default_repo="o/r")
    b = parse(MINIMAL.replace("低风险", "低风险。"), default_repo="o/r")
    assert a.pr_number is None and a.report_id.startswith("o/r~") and a.repo_source == "default"
    assert a.report_id == b.report_id  # same one-liner, same identity
    assert a.report_id != parse(MINIMAL.replace("修一个小问题", "修另一个问题"), default_repo="o/r").report_id
    assert a.display_title == "修一个小问题"


# --- sections --------------------------------------------------------------------------------------

@pytest.mark.parametrize("heading", ["## 1. 执行摘要", "执行摘要", "**执行摘要**", "** 执行摘要 **", "### 执行摘要：",
                                     "一、执行摘要", "## Executive Summary"])
def test_heading_forms(heading):
    r = parse(f"{heading}\n- 一句话: 一行总结\n风险与影响\n- 风险: 低\n")
    assert r.one_liner == "一行总结"


def test_summary_without_bullets_uses_the_paragraph():
    r = parse("执行摘要\n这个改动让调度器在空闲时少做一次拷贝。其余行为不变。\n功能与动机\n为了省时间。\n")
    assert r.one_liner == "这个改动让调度器在空闲时少做一次拷贝。"
    assert r.summary.startswith("这个改动")


def test_headings_inside_code_fences_are_code():
    r = parse("关键源码片段\n\na/b.py\n\n说明文字。\n\n```\n风险与影响\nx = 1\n```\n风险与影响\n- 风险: 高风险\n")
    assert r.code_snippets[0].code == "风险与影响\nx = 1"
    assert r.risk_level == "high"


def test_missing_sections_are_warnings_not_errors():
    r = parse("风险与影响\n- 风险: 中等\n")
    assert "missing section: summary" in r.warnings and r.risk_level == "medium"


def test_folded_lines_are_rejoined():
    r = parse("实现拆解\n- 定位问题:在\npython/x/y.py 的 f 方法中\n- 第二步:把结果\n写回缓存\n")
    assert r.implementation_steps == ["定位问题:在 python/x/y.py 的 f 方法中", "第二步:把结果写回缓存"]


def test_markdown_escapes_are_undone():
    r = parse("执行摘要\n- 一句话: 启用 inference\\_mode 与 \\*args\n关键符号: \\_as\\_mutable\\_tensor\n")
    assert r.one_liner == "启用 inference_mode 与 *args"
    assert r.key_symbols == ["_as_mutable_tensor"]


def test_markdown_table_inside_a_section_is_kept():
    r = parse("实现拆解\n| 场景 | 旧 | 新 |\n| --- | --- | --- |\n| 高负载 | 1.9s | 1.3s |\n风险与影响\n- 风险: 低\n")
    assert "| 高负载 | 1.9s | 1.3s |" in r.implementation


def test_truncated_report_keeps_what_it_has():
    r = parse("# PR #5 完整报告\n执行摘要\n- 一句话: 截断的报告\n关键源码片段\n\na/b.py\n\n说明。\n\n```python\ndef f(x):\n    return x +")
    assert r.one_liner == "截断的报告"
    assert r.code_snippets[0].code.endswith("return x +")


# --- key files -------------------------------------------------------------------------------------

@pytest.mark.parametrize("line", [
    "- `a/b/c.py`（模块 调度器；类别 source；类型 core-logic；符号 f, g）：说明",
    "- a/b/c.py (模块 调度器; 类别 source; 类型 core-logic; 符号 `f`, `g`) : 说明",
    "a/b/c.py(模块 调度器;类别 `source`;类型 core-logic;符号 f、g): 说明",
    "- `a/b/c.py` (module 调度器; category source; type core-logic; symbols f, g): 说明",
])
def test_key_file_entry_forms(line):
    (f,) = parse("关键文件:\n" + line + "\n").key_files
    assert (f.path, f.module_label, f.category, f.file_type, f.symbols, f.description) == (
        "a/b/c.py", "调度器", "source", "core-logic", ["f", "g"], "说明")


def test_key_file_with_some_parts_only():
    (f,) = parse("关键文件:\n- `x/y.rs` (模块 `srt/managers`): 说明\n").key_files
    assert (f.module_label, f.category, f.symbols) == ("srt/managers", None, [])


@pytest.mark.parametrize("table", [
    "文件 模块 状态 重要度\na/b.py 调度器 modified 高\nc/d.py AMD 测试 added 中\n",
    "文件\t模块\t状态\t重要度\na/b.py\t调度器\tmodified\t高\nc/d.py\tAMD 测试\tadded\t中\n",
    "| 文件 | 模块 | 状态 | 重要度 |\n|---|---|---|---|\n| `a/b.py` | 调度器 | modified | 高 |\n| c/d.py | AMD 测试 | added | 中 |\n",
])
def test_key_files_as_a_table(table):
    files = parse("关键文件\n" + table).key_files
    assert [(f.path, f.module_label, f.status, f.importance) for f in files] == [
        ("a/b.py", "调度器", "modified", "高"), ("c/d.py", "AMD 测试", "added", "中")]


# --- snippets, review, risks -----------------------------------------------------------------------

def test_snippet_broken_into_several_fences_stays_one():
    r = parse("关键源码片段\n\n[a/b.py](#)\n\n说明文字。\n\n# b.py - 片段\n\n```\ndef f():\n```\n\n```\n    return 1\n```\n\n"
              "## c/d.rs\n\n第二个文件。\n\n```rust\nfn main() {}\n```\n")
    assert [(s.path, s.language, s.description) for s in r.code_snippets] == [
        ("a/b.py", "python", "说明文字。"), ("c/d.rs", "rust", "第二个文件。")]
    assert r.code_snippets[0].code == "def f():\n    return 1"


def test_review_highlights_with_categories_and_people():
    r = parse("评论区精华\n`gemini-code-assist[bot]` 建议重构；作者 `alice-dev` 回应暂不处理，最终被 BobSmith 批准。\n"
              "- 接口设计 (design): 返回类型需要统一\n- 边界条件（正确性）：空输入\n- 暂无高价值评论线程\n")
    assert r.reviewers_named == ["gemini-code-assist[bot]", "alice-dev", "BobSmith"]
    assert [(h.topic, h.category, h.text) for h in r.review_highlights] == [
        ("接口设计", "design", "返回类型需要统一"), ("边界条件", "正确性", "空输入")]


@pytest.mark.parametrize("risk, level", [
    ("风险较低，改动很小", "low"), ("低风险", "low"), ("风险中等", "medium"), ("中等风险：涉及调度", "medium"),
    ("高风险，默认行为改变", "high"), ("Low risk overall", "low"), ("主要风险来自接口不一致", "unknown"),
])
def test_risk_level_phrases(risk, level):
    assert parse(f"风险与影响\n- 风险：{risk}\n").risk_level == level


def test_duplicated_labels_and_flag_separators():
    r = parse("风险与影响\n- 风险: 风险: 低风险\n- 影响：影响：用户无感\n- 风险标记：`dtype` 一致性、缓冲区大小管理, PP 专属路径；特定硬件依赖。\n")
    assert r.risk_text == "低风险" and r.impact == "用户无感"
    assert r.risk_flags == ["dtype 一致性", "缓冲区大小管理", "PP 专属路径", "特定硬件依赖"]


def test_risk_labels_glued_into_one_line():
    r = parse("风险与影响\n- 风险：\n\n1. 第一条风险。\n2. 第二条风险。 - 影响: 用户受益 - 风险标记: 标记甲, 标记乙\n")
    assert r.risk_text.startswith("1. 第一条风险") and r.impact == "用户受益"
    assert r.risk_flags == ["标记甲", "标记乙"]


# --- references ------------------------------------------------------------------------------------

def test_reference_forms_and_kinds():
    r = parse("功能与动机\n参见 #23331 和 PR #26623，以及 PR#25145。上游 owner/other#20501 已修复。用户在 issue #16565 中报告。"
              "详见 https://github.com/o/r/pull/777 。\n", default_repo="o/r")
    found = {(x.repo, x.number, x.kind) for x in r.references}
    assert found == {("o/r", 23331, "pr"), ("o/r", 26623, "pr"), ("o/r", 25145, "pr"),
                     ("owner/other", 20501, "pr"), ("o/r", 16565, "issue"), ("o/r", 777, "pr")}


@pytest.mark.parametrize("sentence, relation, referenced_is", [
    ("PR #100 引入了这个回归，本 PR 修复它。", "regression", "earlier"),
    ("This fixes a regression introduced by #100.", "regression", "earlier"),
    ("回滚 #100，问题太多。", "revert", "earlier"),
    ('Revert "Speed things up" (#100)', "revert", "earlier"),
    ("这是一个 missing change of PR: #100。", "follow_up", "earlier"),
    ("本 PR 跟进 #100 中遗留的 TODO。", "follow_up", "earlier"),
    ("该 PR 后被 #100 回滚。", "revert", "later"),
    ("后续 PR #100 修复了这里引入的问题。", "regression", "later"),
    ("This change was reverted in #100.", "revert", "later"),
    ("与 #100 修改了同一个文件。", "reference", "earlier"),
])
def test_relation_and_direction(sentence, relation, referenced_is):
    (ref,) = parse("功能与动机\n" + sentence + "\n").references
    assert (ref.number, ref.relation, ref.referenced_is) == (100, relation, referenced_is)


def test_relation_words_attach_to_the_nearest_reference():
    refs = parse("功能与动机\n根因是 #1502 引入的空分片问题，上游已在 #1533 修复。\n").references
    assert [(r.number, r.relation) for r in refs] == [(1502, "regression"), (1533, "reference")]


def test_self_reference_is_ignored_and_code_needs_explicit_references():
    r = parse("# PR #42 完整报告\n功能与动机\n本 PR (#42) 很小。\n关键源码片段\n\na.py\n\n说明。\n\n```\ncolor = '#123456'\n# see PR #41\n```\n")
    assert [(x.number, x.section) for x in r.references] == [(41, "code")]


# --- HTML --------------------------------------------------------------------------------------------

def test_html_page_is_read_as_text_and_scripts_are_dropped():
    html = ("<!DOCTYPE html><html><head><script>alert(1)</script></head><body>"
            "<p>o/r · 作者 alice · 合并时间 2026-05-12 09:41</p><h1>PR #77 分析报告</h1><p>Some title</p>"
            "<h2>执行摘要</h2><ul><li>一句话：<b>HTML</b> 报告</li></ul>"
            "<h2>关键文件</h2><table><tr><th>文件</th><th>模块</th><th>状态</th><th>重要度</th></tr>"
            "<tr><td>a/b.py</td><td>调度器</td><td>modified</td><td>高</td></tr></table>"
            "<h2>风险与影响</h2><ul><li>风险：低风险</li><li>风险标记：甲、乙</li></ul></body></html>")
    r = parse(html)
    assert (r.repo, r.pr_number, r.author, r.title) == ("o/r", 77, "alice", "Some title")
    assert r.merged_at.isoformat() == "2026-05-12T09:41:00"
    assert r.one_liner == "HTML 报告" and r.risk_flags == ["甲", "乙"]
    assert r.key_files[0].module_label == "调度器"
    assert "alert" not in (r.summary or "") + (r.motivation or "")


def test_rendered_page_text_without_bullets():
    r = parse("o/r · 作者 bob · 合并时间 2026-06-02 18:11 · #26501\n执行摘要\n一句话：同一批次内支持不同秩。\n"
              "推荐动作：关注填充策略。\n风险与影响\n风险：风险中等。\n影响：吞吐提升。\n风险标记：性能、显存占用\n")
    assert (r.pr_number, r.one_liner, r.recommendation) == (26501, "同一批次内支持不同秩。", "关注填充策略。")
    assert (r.risk_level, r.impact, r.risk_flags) == ("medium", "吞吐提升。", ["性能", "显存占用"])


# --- encodings and unreadable documents ----------------------------------------------------------

@pytest.mark.parametrize("encode", [
    lambda t: t.encode("utf-8"),
    lambda t: codecs.BOM_UTF8 + t.encode("utf-8"),
    lambda t: t.encode("utf-16"),
    lambda t: t.encode("utf-16-le"),
    lambda t: t.encode("gb18030"),
    lambda t: t.replace("\n", "\r\n").encode("utf-8"),
])
def test_encodings(encode):
    r = parse_bytes(encode("PR #8 完整报告\n" + MINIMAL))
    assert (r.pr_number, r.one_liner, r.risk_flags) == (8, "修一个小问题", ["缺少测试覆盖"])


@pytest.mark.parametrize("data, reason", [
    (b"", "empty"),
    (b"  \n\t\n", "empty"),
    (b"%PDF-1.7\n" + bytes(range(256)), "binary"),
    (b"caf\xe9 \xff\xfe\xff r\xe9sum\xe9", "undecodable"),
    ("周会记录\n- 下周发布\n".encode(), "not_a_report"),
])
def test_unreadable_documents_say_why(data, reason):
    with pytest.raises(UnreadableDocument) as caught:
        parse_bytes(data)
    assert caught.value.reason == reason


def test_decoding_reports_the_encoding():
    assert decode_document("报告".encode("gb18030")).encoding == "gb18030"
    assert decode_document(codecs.BOM_UTF8 + b"x").encoding == "utf-8"


# --- the report site's PR page (saved as HTML, or copied as text) ---------------------------------------

PAGE_SECTIONS = {
    "执行摘要": ["一句话：回滚 #4100 的批量预取，解码线程不再等待预取队列。", "推荐动作：开启预取的部署升级即可。"],
    "讨论亮点": ["carol-w 确认回滚后延迟曲线恢复平稳。", "回滚的粒度 (design)：只撤掉预取逻辑，配置项留着以免启动脚本报错。"],
    "实现拆解": ["删除 prefetcher.py 里的批量预取循环。", "worker.py 改回逐个读取。"],
    "功能与动机": ["批量预取在小批次下反而拖慢了解码，尾延迟翻倍。"],
    "关键文件": ["文件 模块 状态 重要度", "pkg/io/prefetcher.py 数据加载 modified 高", "pkg/io/worker.py 数据 加载 modified 中"],
    "风险与影响": ["风险：低风险，回到旧的读取方式。", "影响：小批次解码延迟下降。", "风险标记：性能、配置项遗留"],
    "关联脉络": ["PR #4100 Prefetch batches ahead of decode: 被本 PR 回滚。"],
}
FACT_PAIRS = [("原始 PR 作者", "dana-k"), ("合并时间", "2026-07-03 09:15"), ("文件变更", "2"), ("提交数", "2"),
              ("评论", "4"), ("代码增减", "+9 / -87")]
FACTS = " ".join(f"{label} {value}" for label, value in FACT_PAIRS)
# On the page, list items are these; the other lines are paragraphs.
_LIST_ITEM = re.compile(r"^(?:一句话|推荐动作|风险|影响|风险标记)：|\((?:design)\)|^PR #")


def page_text(sections=PAGE_SECTIONS, *, facts=FACTS, table_cells="  ") -> str:
    lines = ["ReportHub 报告站", "#4188 Revert batched prefetch in the decode loop", *([facts] if facts else [])]
    for heading, body in sections.items():
        lines.append(heading)
        lines += [line.replace(" ", table_cells) if heading == "关键文件" and table_cells != " " else line
                  for line in body]
    return "\n".join(lines) + "\n"


def page_html(sections=PAGE_SECTIONS, *, facts=FACT_PAIRS) -> str:
    parts = ["<!DOCTYPE html><html><head><title>#4188 · ReportHub</title><script>track()</script></head><body>",
             "<header><a class='brand'>ReportHub 报告站</a><nav><a href='/'>首页</a><a href='/o/r'>o/r</a></nav></header>",
             "<h1><span>#4188</span> Revert batched prefetch in the decode loop</h1>"]
    if facts:  # labels and values alternate as elements, with no space between them
        parts.append("<div class='facts'>" + "".join(f"<span class='label'>{label}</span><b>{html.escape(value)}</b>"
                                                     for label, value in facts) + "</div>")
    for heading, body in sections.items():
        parts.append(f"<section><h2>{heading}</h2>")
        if heading == "关键文件":
            rows = [line.split(" ", 2) if i else line.split(" ") for i, line in enumerate(body)]
            rows = [[r[0], r[1], *r[2].rsplit(" ", 2)] if i else r for i, r in enumerate(rows)]
            parts.append("<table>" + "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                                             for row in rows) + "</table>")
        elif heading == "实现拆解":
            parts.append("<ol>" + "".join(f"<li>{html.escape(line)}</li>" for line in body) + "</ol>")
        else:
            parts += [f"<ul><li>{html.escape(line)}</li></ul>" if _LIST_ITEM.search(line) else f"<p>{html.escape(line)}</p>"
                      for line in body]
        parts.append("</section>")
    parts.append("<footer>© ReportHub · 关于我们</footer></body></html>")
    return "".join(parts)


PAGE_MARKDOWN = """# PR #4188 完整报告

- 仓库：o/r
- 标题：Revert batched prefetch in the decode loop
- 合并时间：2026-07-03 09:15

## 执行摘要

- 一句话：回滚 #4100 的批量预取，解码线程不再等待预取队列。
- 推荐动作：开启预取的部署升级即可。

## 讨论亮点

carol-w 确认回滚后延迟曲线恢复平稳。

- 回滚的粒度 (design)：只撤掉预取逻辑，配置项留着以免启动脚本报错。

## 实现拆解

1. 删除 prefetcher.py 里的批量预取循环。
2. worker.py 改回逐个读取。

## 功能与动机

批量预取在小批次下反而拖慢了解码，尾延迟翻倍。

## 关键文件

- `pkg/io/prefetcher.py`（模块 数据加载）：预取循环。
- `pkg/io/worker.py`（模块 数据 加载）：读取方式。

## 风险与影响

- 风险：低风险，回到旧的读取方式。
- 影响：小批次解码延迟下降。
- 风险标记：性能、配置项遗留

## 关联脉络

- PR #4100 Prefetch batches ahead of decode: 被本 PR 回滚。
"""


def _essentials(r):
    return {"number": r.pr_number, "title": r.title, "merged_at": r.merged_at, "one_liner": r.one_liner,
            "recommendation": r.recommendation, "motivation": r.motivation, "steps": r.implementation_steps,
            "key_files": [(f.path, f.module_label) for f in r.key_files], "risk": (r.risk_text, r.impact, r.risk_flags),
            "review": (r.review_summary, [(h.topic, h.category) for h in r.review_highlights], r.reviewers_named),
            "links": sorted({(x.number, x.relation, x.section) for x in r.references if x.relation != "reference"})}


@pytest.mark.parametrize("render", [
    lambda: page_text(table_cells="\t"), lambda: page_text(table_cells="  "), lambda: page_text(table_cells=" "),
    page_html,
], ids=["text-tabs", "text-spaces", "text-single-spaces", "html"])
def test_site_page_reads_like_the_markdown(render):
    page = parse(render(), location="https://reports.example/o/r/pull/4188")
    markdown = parse(PAGE_MARKDOWN)
    assert _essentials(page) == _essentials(markdown)
    assert (page.repo, page.identity_source, page.author) == ("o/r", "header", "dana-k")
    assert page.title != "ReportHub 报告站" and "4188" not in page.title
    assert page.changes.__dict__ == {"changed_files": 2, "commits": 2, "comments": 4, "additions": 9, "deletions": 87}
    assert [(f.status, f.importance) for f in page.key_files] == [("modified", "高"), ("modified", "中")]
    assert set(page.sections_found) == {"summary", "review", "implementation", "motivation", "key_files", "risks",
                                        "related"}
    # the revert stated in the summary is a link, as in the markdown
    assert ("o/r", 4100, "revert", "earlier", "summary") in {
        (x.repo, x.number, x.relation, x.referenced_is, x.section) for x in page.references}
    assert not page.warnings
    assert "track()" not in page.body_text and "关于我们" not in page.body_text


@pytest.mark.parametrize("left_out", ["讨论亮点", "关联脉络", "关键文件", "功能与动机"])
@pytest.mark.parametrize("render", [page_text, page_html], ids=["text", "html"])
def test_site_page_with_optional_sections_left_out(render, left_out):
    r = parse(render({k: v for k, v in PAGE_SECTIONS.items() if k != left_out}))
    assert (r.pr_number, r.title, r.one_liner) == (4188, "Revert batched prefetch in the decode loop",
                                                   "回滚 #4100 的批量预取，解码线程不再等待预取队列。")
    assert (4100, "revert") in {(x.number, x.relation) for x in r.references}
    assert bool(r.review_highlights) == (left_out != "讨论亮点")
    assert len(r.key_files) == (0 if left_out == "关键文件" else 2)
    assert ("missing section: motivation" in r.warnings) == (left_out == "功能与动机")


def test_site_page_facts_copied_cell_by_cell():
    cells = "\n\n".join(f"{label.replace(' ', '')}\n\n{value}" for label, value in FACT_PAIRS)
    r = parse(page_text(facts=cells))
    assert (r.author, r.merged_at.isoformat(), r.changes.additions, r.changes.deletions) == (
        "dana-k", "2026-07-03T09:15:00", 9, 87)
    assert r.title == "Revert batched prefetch in the decode loop"


@pytest.mark.parametrize("title", ["评论区折叠长回复", "作者信息页改版", "提交数统计修正", "Merged 2 fixes for the cache"])
def test_a_title_opening_with_a_fact_word_stays_the_title(title):
    assert parse(f"PR #12 完整报告\n\no/r\n\n{title}\n\n" + MINIMAL).title == title
    assert parse(f"站点\n#12\n{title}\n" + MINIMAL).title == title


def test_site_page_number_and_title_on_lines_of_their_own():
    text = page_text().replace("#4188 Revert", "#4188\nRevert")
    r = parse(text)
    assert (r.pr_number, r.title) == (4188, "Revert batched prefetch in the decode loop")


def test_site_page_without_its_facts_line_parses_what_it_can():
    r = parse(page_text(facts=None), default_repo="o/r")
    assert (r.pr_number, r.title, r.merged_at, r.author) == (4188, "Revert batched prefetch in the decode loop",
                                                             None, None)
    assert r.one_liner and len(r.key_files) == 2
    assert any(w.startswith("the page has no facts line") for w in r.warnings)


@pytest.mark.parametrize("facts, warning", [
    ("原始 PR 作者 dana-k 合并时间 昨天 文件变更 很多 代码增减 一些", "merge time not understood"),
    ("原始 PR 作者 dana-k 合并时间 2026-13-45 99:99 文件变更 99999999999", "merge time not understood"),
    ("原始 PR 作者 dana-k 合并时间 2026-07-03 09:15 文件变更 99999999999 代码增减 +1", "changed files 99999999999 is out of range"),
])
def test_site_page_damaged_facts_are_warnings(facts, warning):
    r = parse(page_text(facts=facts))
    assert r.author == "dana-k" and r.changes.changed_files is None
    assert any(w.startswith(warning) for w in r.warnings), r.warnings


def test_site_page_with_an_unknown_heading_keeps_its_text():
    sections = {("性能数据" if k == "功能与动机" else k): v for k, v in PAGE_SECTIONS.items()}
    r = parse(page_text(sections))
    assert "missing section: motivation" in r.warnings
    assert "尾延迟翻倍" in r.implementation  # kept in the section before the unknown heading, not lost


def test_key_file_table_standing_in_another_section():
    r = parse("执行摘要\n- 一句话：小改动\n实现拆解\n改了两个文件：\n文件\t模块\t状态\t重要度\na/b.py\t调度器\tmodified\t高\n"
              "c/d.py\t测试\tadded\t低\n之后补了文档。\n风险与影响\n- 风险：低\n")
    assert [(f.path, f.module_label, f.importance) for f in r.key_files] == [("a/b.py", "调度器", "高"),
                                                                               ("c/d.py", "测试", "低")]
    assert "补了文档" in r.implementation and "a/b.py" not in r.implementation


# --- HTML comments -----------------------------------------------------------------------------------

def test_a_comment_at_the_top_is_provenance_not_the_title():
    r = parse("<!-- source: https://prhub.example/o/r/pull/21035 -->\n\nPR #21035 完整报告\n\nSome title\n\n" + MINIMAL)
    assert (r.pr_number, r.title) == (21035, "Some title")
    assert r.provenance_url == "https://prhub.example/o/r/pull/21035"
    assert (r.repo, r.repo_source) == ("o/r", "link")  # the provenance URL names the repo the header lacks
    assert "<!--" not in r.body_text


def test_a_provenance_url_identifies_a_report_without_a_header():
    r = parse("<!--\n  source: https://prhub.example/o/r/pull/77\n-->\n" + MINIMAL)
    assert (r.repo, r.pr_number, r.identity_source, r.source_url) == (
        "o/r", 77, "link", "https://prhub.example/o/r/pull/77")


@pytest.mark.parametrize("comment", ["<!-- draft: rewrite this -->", "<!--\n多行\n批注\n-->", "<!-->", "<!--->"])
def test_comments_are_never_text_of_a_field(comment):
    r = parse(f"{comment}\n# PR #5 完整报告\n\n- 标题：{comment}Real title\n\n执行摘要\n- 一句话：{comment}一行总结\n"
              f"功能与动机\n动机{comment}在这里。\n{comment}\n风险与影响\n- 风险：低风险\n")
    assert (r.pr_number, r.title, r.one_liner, r.motivation) == (5, "Real title", "一行总结", "动机在这里。")
    assert r.provenance_url is None and "<!--" not in r.body_text and "批注" not in r.body_text


def test_comments_inside_code_are_code():
    r = parse("执行摘要\n- 一句话：模板里的 `<!-- x -->` 保留\n关键源码片段\n\na/b.html\n\n模板。\n\n```html\n<!-- keep me -->\n<p>x</p>\n```\n")
    assert r.one_liner == "模板里的 <!-- x --> 保留"
    assert r.code_snippets[0].code == "<!-- keep me -->\n<p>x</p>"


def test_an_unclosed_comment_keeps_its_text_with_a_warning():
    r = parse("执行摘要\n- 一句话：没有闭合 <!-- 的注释\n")
    assert r.one_liner == "没有闭合 <!-- 的注释"
    assert "an HTML comment opens but never closes: its text is kept" in r.warnings


def test_a_saved_page_with_a_comment_before_its_doctype_is_still_html():
    html = ("<!-- saved from url=(0040)https://prhub.example/o/r/pull/88 -->\n<!DOCTYPE html><html><body>"
            "<h1>#88 Keep the cache warm</h1><h2>执行摘要</h2><ul><li>一句话：预热<!-- 内部备注 -->缓存</li></ul>"
            "</body></html>")
    r = parse(html)
    assert (r.pr_number, r.title, r.one_liner, r.repo) == (88, "Keep the cache warm", "预热缓存", "o/r")
    assert r.provenance_url == "https://prhub.example/o/r/pull/88"
    assert "<h1>" not in r.body_text and "内部备注" not in r.body_text


def test_a_page_link_whose_words_do_not_name_the_pr_keeps_its_address():
    html = ("<html><body><h1>#4190 Undo the prefetch</h1><h2>执行摘要</h2><ul><li>一句话：回滚"
            "<a href='https://github.com/o/r/pull/4100'>之前的预取改动</a>。</li></ul>"
            "<h2>关联脉络</h2><ul><li><a href='/o/r/pull/4100'>#4100</a> Prefetch: 被本 PR 回滚。</li></ul></body></html>")
    r = parse(html, default_repo="o/r")
    # the summary's link is read as a markdown link is (its relation is the relation reader's to judge)
    assert ("o/r", 4100, "summary") in {(x.repo, x.number, x.section) for x in r.references}
    assert "之前的预取改动 (https://github.com/o/r/pull/4100)" in r.body_text
    assert "(/o/r/pull/4100)" not in r.body_text  # the words already name it: no address added
