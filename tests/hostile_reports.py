"""Hostile report files, one class each, and what ingesting each must produce. Every file is built here by
the test (nothing hostile is committed): bad numbers, bad links, special files, bad bytes, damaged
structure, pathological lines. `build(folder)` writes them all and returns the cases.

Each case's expectation is one of:
- ("parsed", cue): a report is parsed; `cue`, when given, is a substring of one of its warnings;
- ("quarantined", reason): the bytes are in raw.documents and the document in staging.quarantine;
- ("unread", reason): found but not read, listed in meta.unread_sources with that reason.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MEGABYTE = 1 << 20


def report(number: str = "31001", title: str = "Hostile but well formed", *, extra_header: str = "",
           summary: str = "修复调度器在空批次上的崩溃。", motivation: str = "空批次会触发断言。",
           risks: str = "- 风险: 风险较低。\n- 风险标记: 核心路径变更") -> str:
    """A small report in the seeds' layout, with the pieces a case replaces."""
    return (f"# PR #{number} 完整报告\n\nsgl-project/sglang\n\n{title}\n\n合并时间: 2026-05-02 10:00\n{extra_header}\n"
            f"## 执行摘要\n\n- 一句话: {summary}\n\n## 功能与动机\n\n{motivation}\n\n"
            f"## 实现拆解\n\n1. 在调度循环里跳过空批次。\n\n## 风险与影响\n\n{risks}\n")


@dataclass(frozen=True)
class Case:
    name: str
    file: str                     # relative to the folder
    expect: tuple[str, str | None]
    make: Callable[[Path], None]  # writes `file`


def _write(data: bytes | str) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return make


def _link(target: str) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        path.symlink_to(target)
    return make


def _loop(path: Path) -> None:
    path.symlink_to(path.with_name("loop_b.md"))
    path.with_name("loop_b.md").symlink_to(path.name)


def _folder_link(path: Path) -> None:
    path.with_name("linked_folder").mkdir()
    path.symlink_to("linked_folder")


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _sparse(size: int) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        with open(path, "wb") as file:
            file.truncate(size)
    return make


def _unreadable(path: Path) -> None:
    path.write_text(report("31017"), encoding="utf-8")
    path.chmod(0)


def _line(body: str) -> str:
    return report(motivation=body)


_CHINESE = report("31016", summary="修复调度器在空批次上的崩溃，并补上回归测试。")
_HTML = ("<!doctype html><html><head><style>.secret-style { color: red }</style>"
         "<script>window.hostileScriptText = 'never stored';</script></head><body>"
         "<h1>PR #31022 完整报告</h1><p>sgl-project/sglang</p><h2>执行摘要</h2><ul><li>一句话: 页面报告。</li></ul>"
         "<h2>风险与影响</h2><ul><li>风险: 低。</li></ul><script>alert('x')</script></body></html>")

CASES: tuple[Case, ...] = (
    Case("PR number beyond 32 bits in the header", "huge_header.md", ("parsed", "out of range"),
         _write(report("2147483648"))),
    Case("PR number of eleven digits mentioned", "huge_mention.md", ("parsed", None),
         _write(report(motivation="问题由 PR #99999999999 与 #12345678901234567890 引入。"))),
    Case("one line of a million digits after #", "digits_line.md", ("parsed", None),
         _write(_line("#" + "9" * MEGABYTE))),
    Case("dangling symbolic link", "dangling.md", ("unread", "broken_link"), _link("no_such_file.md")),
    Case("symbolic link loop", "loop_a.md", ("unread", "link_loop"), _loop),
    Case("file name that is not UTF-8", "bad_name_\udcff.md", ("parsed", None), _write(report("31006"))),
    Case("file the process may not read", "no_permission.md",
         ("parsed", None) if os.geteuid() == 0 else ("unread", "unreadable"), _unreadable),
    Case("named pipe", "pipe.md", ("unread", "not_a_regular_file"), _fifo),
    Case("link to /dev/zero", "zero.md", ("unread", "link_outside_folder"), _link("/dev/zero")),
    Case("link to a file outside the folder", "passwd.md", ("unread", "link_outside_folder"), _link("/etc/passwd")),
    Case("link to a folder inside the folder", "folder_link", ("unread", "link_to_folder"), _folder_link),
    Case("link to a folder outside the folder", "usr_link", ("unread", "link_outside_folder"), _link("/usr")),
    Case("file over the size limit", "huge_file.md", ("unread", "too_large"), _sparse(17 * MEGABYTE)),
    Case("empty file", "empty.md", ("quarantined", "empty"), _write(b"")),
    Case("only whitespace", "blank.md", ("quarantined", "empty"), _write(" \n\t\r\n" * 100)),
    Case("binary noise", "noise.bin", ("quarantined", "binary"), _write(bytes(range(256)) * 64)),
    Case("UTF-8 cut inside a multibyte character", "cut.md", ("parsed", "multibyte"),
         _write(_CHINESE.encode("utf-8")[:-2])),
    Case("UTF-8 encoded twice (mojibake)", "mojibake.md", ("parsed", "twice"),
         _write(report("31018").encode("utf-8").decode("latin-1").encode("utf-8"))),
    Case("code fence never closed", "open_fence.md", ("parsed", "unclosed code fence"),
         _write(report("31019").replace("## 风险与影响", "## 关键源码片段\n\na/b.py\n\n```python\nx = 1\n\n## 风险与影响"))),
    Case("header, location and link numbers disagree", "sgl-project/sglang/pull/31111/report.md",
         ("parsed", "disagree"),
         _write(report("31020", extra_header="原文链接: https://example.invalid/sgl-project/sglang/pull/31222\n"))),
    Case("impossible merge time", "bad_date.md", ("parsed", "merge time"),
         _write(report("31021").replace("2026-05-02 10:00", "2026-13-45 99:99"))),
    Case("merge time in the year 9999", "far_date.md", ("parsed", "merge time"),
         _write(report("31023").replace("2026-05-02 10:00", "9999-12-31"))),
    Case("HTML page with scripts and styles", "page.html", ("parsed", None), _write(_HTML)),
    Case("a million spaces on one line", "spaces.md", ("parsed", None), _write(_line("空" + " " * MEGABYTE + "格"))),
    Case("a million asterisks", "stars.md", ("parsed", None), _write(_line("**" + "*" * MEGABYTE))),
    Case("a million backticks", "backticks.md", ("parsed", None), _write(_line("`" * MEGABYTE))),
    Case("a million hashes", "hashes.md", ("parsed", None), _write(_line("#" * MEGABYTE))),
    Case("half a million open brackets", "brackets.md", ("parsed", None), _write(_line("[(" * (MEGABYTE // 2)))),
    Case("fifty thousand PR references in a sentence", "references.md", ("parsed", None),
         _write(_line("引入 " + " #123 导致" * 50_000))),
    Case("a million Han characters without a stop", "han_run.md", ("parsed", None),
         _write(_line("".join(chr(0x4E00 + i * 7919 % 20_000) for i in range(MEGABYTE))))),
    Case("NUL bytes through the text", "nuls.md", ("quarantined", "binary"),
         _write(report("31029").replace("。", "\0。"))),
    Case("a million comment openings", "comment_openings.md", ("parsed", "never closes"),
         _write(_line("<!--" * (MEGABYTE // 4)))),
    Case("comment openings inside inline code", "code_comments.md", ("parsed", None),
         _write(_line("`<!--" * (MEGABYTE // 5)))),
    Case("a hundred thousand closed comments", "closed_comments.md", ("parsed", None),
         _write(_line("<!-- x -->" * (MEGABYTE // 10)))),
    Case("a facts line of half a million labels", "facts_labels.md", ("parsed", None),
         _write(report(extra_header="原始 PR 作者 " + "作者" * (MEGABYTE // 2) + "\n"))),
    Case("a key-file table of a hundred thousand rows in a section", "long_table.md", ("parsed", None),
         _write(_line("改动如下：\n文件 模块 状态 重要度\n" + "a/b.py 调度器 modified 高\n" * 100_000))),
    Case("a table header of a million cells", "wide_table.md", ("parsed", None),
         _write(_line("文件 模块" + " 状态" * (MEGABYTE // 3)))),
    Case("ten thousand nested HTML elements", "nested.html", ("parsed", None),
         _write("<html><body>" + "<div>" * 10_000 + _HTML.split("<body>", 1)[1].replace("31022", "31030"))),
)


def build(folder: Path) -> tuple[Case, ...]:
    for case in CASES:
        path = folder / case.file
        path.parent.mkdir(parents=True, exist_ok=True)
        case.make(path)
    return CASES


def stored_location(folder: Path, case: Case) -> str:
    """The source_uri the warehouse keeps for a case's file (non-UTF-8 bytes shown as escapes)."""
    path = os.path.join(os.path.realpath(folder), case.file)
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
