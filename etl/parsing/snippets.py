"""Code snippets: a file line, a one-line description, then code, fenced or not. PDF extraction may
break one fence into several, or drop the fences and the indentation; all pieces of one file's code
are kept together, in order."""

from __future__ import annotations

import re

from .key_files import PATH
from .model import CodeSnippet
from .text import FENCE, is_cjk, plain

_HEADING_MARKS = re.compile(r"^#{1,6}\s+")
_LINK = re.compile(r"^\[(?P<label>[^\]]+)\]\([^)]*\)$")
_FILE_LINE = re.compile(rf"^(?:文件\s*[:：]\s*)?(?P<path>{PATH})$")
_CODE_START = re.compile(r"^\s*(#|//|/\*|@|def |class |import |from |return |if |for |while |with |"
                         r"[A-Za-z_][\w.]*\s*[(=\[]|[{}\])])")
_EXTENSION_LANGUAGE = {
    "py": "python", "rs": "rust", "go": "go", "cu": "cuda", "cuh": "cuda", "cc": "cpp", "cpp": "cpp",
    "h": "cpp", "hpp": "cpp", "c": "c", "js": "javascript", "ts": "typescript", "sh": "bash",
    "yaml": "yaml", "yml": "yaml", "json": "json", "toml": "toml", "md": "markdown", "java": "java",
}


def _file_of(line: str) -> str | None:
    text = line.strip()
    if not text or len(text) > 300:
        return None
    text = _HEADING_MARKS.sub("", text)
    if m := _LINK.match(text):
        text = m["label"]
    text = plain(text)
    m = _FILE_LINE.match(text)
    if not m:
        return None
    path = m["path"]
    name = path.rsplit("/", 1)[-1]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    # `self.device` alone on a line is code, not a file name.
    return path if ("/" in path and extension) or extension in _EXTENSION_LANGUAGE else None


def language_for(path: str | None, fence_info: str | None = None) -> str | None:
    if fence_info:
        return fence_info.split()[0].lower()
    if path and "." in path.rsplit("/", 1)[-1]:
        return _EXTENSION_LANGUAGE.get(path.rsplit(".", 1)[-1].lower())
    return None


class _Draft:
    def __init__(self, path: str | None):
        self.path = path
        self.texts: list[str] = []
        self.fences: list[list[str]] = []
        self.fence_info: str | None = None

    def finish(self) -> CodeSnippet | None:
        while self.texts and not self.texts[-1].strip():
            self.texts.pop()
        description = None
        texts = [t for t in self.texts]
        if self.fences:
            prose = [plain(t) for t in texts if t.strip()]
            description = prose[0] if prose else None
            code = "\n".join("\n".join(f).strip("\n") for f in self.fences if any(x.strip() for x in f))
        else:
            while texts and not texts[0].strip():
                texts.pop(0)
            if texts and _is_description(texts[0]):
                description = plain(texts.pop(0))
            code = "\n".join(texts).strip("\n")
        if not code.strip():
            return None
        return CodeSnippet(path=self.path, language=language_for(self.path, self.fence_info),
                           description=description, code=code)


def _is_description(line: str) -> bool:
    text = line.strip()
    return any(is_cjk(ch) for ch in text[:40]) and not _CODE_START.match(text)


def parse_snippets(lines: list[str]) -> list[CodeSnippet]:
    snippets: list[CodeSnippet] = []
    draft: _Draft | None = None
    fence: list[str] | None = None
    for line in lines:
        if m := FENCE.match(line):
            if fence is None:
                fence = []
                draft = draft or _Draft(None)
                info = line.strip()[len(m.group(1)):].strip()
                draft.fence_info = draft.fence_info or (info or None)
            else:
                draft.fences.append(fence)
                fence = None
            continue
        if fence is not None:
            fence.append(line)
            continue
        if path := _file_of(line):
            if draft and (done := draft.finish()):
                snippets.append(done)
            draft = _Draft(path)
            continue
        if draft is None:
            if not line.strip():
                continue
            draft = _Draft(None)
        draft.texts.append(line)
    if fence is not None and draft is not None:  # an unclosed fence: a report cut off mid-code
        draft.fences.append(fence)
    if draft and (done := draft.finish()):
        snippets.append(done)
    return snippets
