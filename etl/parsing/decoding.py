"""Bytes to text. Reports arrive as UTF-8 (with or without BOM), UTF-16 or GB18030; anything else is
refused with a reason, so the caller can quarantine it instead of guessing."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass


class UnreadableDocument(ValueError):
    """The bytes cannot be turned into report text. `reason` is a short machine-friendly code."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str


_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# C0 controls other than tab, newline, carriage return and form feed: text documents do not have them.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _looks_utf16_without_bom(data: bytes) -> str | None:
    """ASCII-heavy UTF-16 has a NUL in every other byte; tell which side the NULs fall on."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_nuls > half * 0.3 and even_nuls < half * 0.05:
        return "utf-16-le"
    if even_nuls > half * 0.3 and odd_nuls < half * 0.05:
        return "utf-16-be"
    return None


def decode_document(data: bytes) -> DecodedText:
    if not data.strip():
        raise UnreadableDocument("empty", "the document has no content")

    for bom, encoding in _BOMS:
        if data.startswith(bom):
            candidates = [encoding]
            break
    else:
        utf16 = _looks_utf16_without_bom(data)
        candidates = [utf16] if utf16 else ["utf-8", "gb18030"]

    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if text.startswith("\ufeff"):
            text = text[1:]
        control = len(_CONTROL_CHARS.findall(text[:20000]))
        if control > max(3, len(text[:20000]) // 200):
            raise UnreadableDocument("binary", f"{control} control characters in the first 20,000 characters")
        if not text.strip():
            raise UnreadableDocument("empty", "the document holds only whitespace")
        return DecodedText(text=text, encoding="utf-8" if encoding == "utf-8-sig" else encoding)

    if b"\x00" in data[:4096]:
        raise UnreadableDocument("binary", "NUL bytes and no text encoding fits")
    raise UnreadableDocument("undecodable", f"not valid as {' or '.join(candidates)}")
