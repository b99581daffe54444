"""The five real reports in shared/seeds parse completely, with no quarantine."""

import html

import pytest

from etl.parsing import ParsedReport, parse_bytes, parse_text
from etl.parsing.sections import split_sections
from etl.parsing.text import clean_document


def parse_seed(seeds_dir, prefix):
    (path,) = seeds_dir.glob(f"{prefix}_*.txt")
    return parse_bytes(path.read_bytes(), str(path), default_repo="sgl-project/sglang")


@pytest.fixture
def seeds(seeds_dir):
    return {prefix: parse_seed(seeds_dir, prefix) for prefix in ("000", "001", "002", "003", "004")}


def test_numbers_and_surrogates(seeds):
    assert [seeds[p].pr_number for p in ("000", "002", "004")] == [21035, 22598, 25891]
    assert seeds["001"].pr_number is None and seeds["003"].pr_number is None
    assert seeds["001"].identity_source == "surrogate"
    assert seeds["001"].report_id != seeds["003"].report_id
    assert seeds["001"].display_title == "修复 PP profiler 中 deferred H2D 后 input_ids 未赋值"


def test_header_fields(seeds):
    r = seeds["000"]
    assert r.repo == "sgl-project/sglang" and r.repo_source == "header"
    # inline code marks stay, as the author (and GitHub's title) wrote them
    assert r.title == "fix: wrap `_import_static_state` in `inference_mode` to fix resume on Blackwell"
    assert r.merged_at.isoformat() == "2026-04-08T17:03:00"
    assert r.source_url == "http://prhub.com.cn/sgl-project/sglang/pull/21035"


@pytest.mark.parametrize("prefix, paths, modules", [
    ("000", ["python/sglang/srt/managers/scheduler_update_weights_mixin.py"], ["srt/managers"]),
    ("001", ["python/sglang/srt/managers/scheduler_pp_mixin.py"], ["调度器"]),
    ("002", ["python/sglang/srt/layers/attention/aiter_backend.py", "test/registered/amd/test_moriep_small.py"],
     ["注意力后端", "AMD 测试"]),
    ("003", ["python/sglang/srt/mem_cache/memory_pool.py", "python/sglang/srt/disaggregation/utils.py"],
     ["内存池", "输出缓冲"]),
])
def test_key_files(seeds, prefix, paths, modules):
    files = seeds[prefix].key_files
    assert [f.path for f in files] == paths
    assert [f.module_label for f in files] == modules


def test_key_files_of_the_long_report(seeds):
    files = seeds["004"].key_files
    assert len(files) == 10
    assert files[0].symbols == ["_stage_execution_context", "_stage_needs_version_counters", "run_stage_with_context"]
    assert (files[0].category, files[0].file_type) == ("source", "core-logic")
    # A description folded across a blank line by PDF extraction is joined back.
    assert files[8].description.endswith("run_stage_with_context, 与 parallel_executor 保持一致。")
    assert files[9].path == "sgl-model-gateway/src/service_discovery.rs" and files[9].file_type == "data-contract"


def test_symbols(seeds):
    assert seeds["000"].key_symbols == ["_import_static_state"]
    assert seeds["001"].key_symbols == []  # 未识别
    assert seeds["002"].key_symbols == ["init_cuda_graph_state", "wait_all_ports_release"]
    assert seeds["003"].key_symbols == ["_clear_buffers", "get_cpu_copy", "load_cpu_copy", "get_buf"]
    assert seeds["004"].key_symbols[-1] == "_as_mutable_tensor"


def test_risk_flags_and_levels(seeds):
    assert seeds["000"].risk_flags == ["特定硬件依赖", "推理模式边界"]
    assert seeds["001"].risk_flags == ["PP 专属路径"]
    assert seeds["002"].risk_flags == ["缓冲区大小管理", "dtype 一致性"]
    assert seeds["003"].risk_flags == ["核心路径变更", "返回类型不一致", "缺少测试覆盖"]
    assert len(seeds["004"].risk_flags) == 3 and seeds["004"].risk_flags[1].startswith("NPU 平台")
    levels = {p: r.risk_level for p, r in seeds.items()}
    # 003 and 004 describe risks without stating a level; that is recorded as unknown, not guessed.
    assert levels == {"000": "low", "001": "low", "002": "low", "003": "unknown", "004": "unknown"}


def test_regression_references(seeds):
    refs_22598 = {(r.number, r.relation) for r in seeds["002"].references}
    assert (20978, "regression") in refs_22598
    # "#25945 refactored it, but the PP path was not updated, so ... errors": the refactor is what broke it,
    # as the report's own 关联脉络 says; no reading of #25945 is a revert or a later PR
    refs_pp = {(r.number, r.relation, r.referenced_is) for r in seeds["001"].references}
    assert (25945, "regression", "earlier") in refs_pp
    assert {relation for number, relation, _ in refs_pp if number == 25945} <= {"regression", "reference"}
    related = [r for r in seeds["000"].references if r.section == "related"]
    assert [(r.number, r.relation) for r in related] == [(22304, "reference"), (22290, "reference"),
                                                        (21692, "reference")]
    assert related[0].title == "[tiny] Fix TOCTOU race in pause-aware weight update locking"


def test_code_snippets(seeds):
    pp = seeds["001"].code_snippets
    assert len(pp) == 1 and pp[0].path.endswith("scheduler_pp_mixin.py") and pp[0].language == "python"
    assert pp[0].description.startswith("唯一修改的文件") and "prefill_input_ids_cpu" in pp[0].code
    # Fences split in two by PDF extraction stay one snippet per file.
    amd = seeds["002"].code_snippets
    assert [s.path for s in amd] == ["python/sglang/srt/layers/attention/aiter_backend.py",
                                     "test/registered/amd/test_moriep_small.py"]
    assert "is_port_available" in amd[1].code and "def wait_all_ports_release" in amd[1].code
    assert len(seeds["004"].code_snippets) == 3


def test_review(seeds):
    assert seeds["002"].reviewers_named == ["gemini-code-assist[bot]", "billishyahao"]
    assert seeds["003"].review_highlights[0].category == "design"
    assert seeds["000"].review_highlights[0].topic == "推理模式与缓冲区写入兼容性"


def test_nothing_is_missing(seeds):
    for prefix, report in seeds.items():
        assert report.one_liner, prefix
        assert report.motivation and report.implementation and report.risk_text and report.impact, prefix


# --- the same reports as the report site's PR page shows them ----------------------------------------------

PAGE_HEADINGS = {"summary": "执行摘要", "review": "讨论亮点", "implementation": "实现拆解", "motivation": "功能与动机",
                 "risks": "风险与影响", "related": "关联脉络", "key_symbols": "关键符号", "code": "关键源码片段",
                 "discussion": "参与讨论", "key_files": "关键文件"}
STAND_IN = 90000  # the page always shows a number; the seeds without one get this


def page_parts(seed_text: str, markdown: ParsedReport):
    """The seed laid out as the site's PR page: site name, `#<N> <title>`, the facts line, bare headings (评论区精华
    is 讨论亮点 there), and the key files as a `文件 模块 状态 重要度` table."""
    number = markdown.pr_number or STAND_IN
    facts = [("原始 PR 作者", "someone")] + ([("合并时间", f"{markdown.merged_at:%Y-%m-%d %H:%M}")]
                                            if markdown.merged_at else [])
    facts += [("文件变更", str(len(markdown.key_files))), ("提交数", "1"), ("评论", "0"), ("代码增减", "+1 / -1")]
    table = [["文件", "模块", "状态", "重要度"]] + [[f.path, f.module_label or "", "modified", "高"]
                                               for f in markdown.key_files]
    sections = []
    for section in split_sections(clean_document(seed_text)).sections:
        if section.name == "key_files":
            if not any(name == "key_files" for name, _ in sections):
                sections.append(("key_files", table))
        else:
            sections.append((section.name, section.lines))
    return number, markdown.title or markdown.display_title, facts, sections


def as_page_text(seed_text: str, markdown: ParsedReport) -> str:
    number, title, facts, sections = page_parts(seed_text, markdown)
    lines = ["PRHub", f"#{number} {title}", " ".join(f"{label} {value}" for label, value in facts)]
    for name, body in sections:
        lines.append(PAGE_HEADINGS[name])
        lines += ["\t".join(row) for row in body] if name == "key_files" else body
    return "\n".join(lines) + "\n"


def as_page_html(seed_text: str, markdown: ParsedReport) -> str:
    number, title, facts, sections = page_parts(seed_text, markdown)
    out = ["<!DOCTYPE html>\n<!-- saved from url=(0040)https://prhub.example/page -->\n<html><body>",
           "<header><a>PRHub</a><nav><a>首页</a></nav></header>",
           f"<h1><span>#{number}</span> {html.escape(title)}</h1><div>",
           *[f"<span>{label}</span><b>{html.escape(value)}</b>" for label, value in facts], "</div>"]
    for name, body in sections:
        out.append(f"<h2>{PAGE_HEADINGS[name]}</h2>")
        if name == "key_files":
            out.append("<table>" + "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                                            for row in body) + "</table>")
            continue
        code = None
        for line in body:
            if line.lstrip().startswith("```"):
                out.append("<pre>" + html.escape("\n".join(code)) + "</pre>" if code is not None else "")
                code = None if code is not None else []
            elif code is not None:
                code.append(line)
            elif line.lstrip().startswith("- "):
                out.append(f"<ul><li>{html.escape(line.lstrip()[2:])}</li></ul>")
            elif line.strip():
                out.append(f"<p>{html.escape(line)}</p>")
    return "".join(out) + "<footer>© PRHub</footer></body></html>"


@pytest.mark.parametrize("render", [as_page_text, as_page_html], ids=["text", "html"])
@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_a_seed_as_the_sites_page_reads_as_its_markdown(seeds_dir, prefix, render):
    """The holdout-style check: identity, title, merge time, one-liner and key files of the page are the
    markdown's."""
    (path,) = seeds_dir.glob(f"{prefix}_*.txt")
    text = path.read_text(encoding="utf-8")
    markdown = parse_bytes(text.encode(), str(path), default_repo="sgl-project/sglang")
    number = markdown.pr_number or STAND_IN
    page = parse_text(render(text, markdown), f"https://prhub.example/sgl-project/sglang/pull/{number}")
    assert (page.repo, page.pr_number, page.identity_source) == ("sgl-project/sglang", number, "header")
    assert page.title == (markdown.title or markdown.display_title)
    assert page.merged_at == markdown.merged_at and page.author == "someone"
    assert page.one_liner == markdown.one_liner
    assert [(f.path, f.module_label) for f in page.key_files] == [(f.path, f.module_label) for f in markdown.key_files]
    assert {"summary", "motivation", "implementation", "risks"} <= set(page.sections_found)
    assert ("review" in page.sections_found) == ("review" in markdown.sections_found)
    assert page.risk_flags == markdown.risk_flags
