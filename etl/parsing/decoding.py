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
    warnings: tuple[str, ...] = ()


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


def _cut_short(exc: UnicodeDecodeError, size: int) -> bool:
    """True when the only undecodable bytes are an incomplete character at the very end."""
    return exc.encoding.startswith("utf") and exc.start >= size - 3 and "end of data" in exc.reason


# UTF-8 bytes read once as Latin-1 or Windows-1252 and saved again as UTF-8: every CJK character becomes
# three characters, the first in À-ï, the others in the continuation range (or the cp1252 punctuation
# that stands for those bytes).
_MOJIBAKE = re.compile("[\u00c2-\u00ef][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
                       "\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]")


def _undo_double_encoding(text: str, warnings: list[str]) -> str:
    """Repair text that was encoded as UTF-8 twice; refuse it when it looks so but cannot be repaired."""
    sample = text[:20000]
    hits = len(_MOJIBAKE.findall(sample))
    if hits < 8 or hits * 20 < sum(not ch.isascii() for ch in sample):
        return text
    for codec in ("cp1252", "latin-1"):
        try:
            repaired = text.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        warnings.append(f"the text was encoded as UTF-8 twice (read as {codec} in between); repaired")
        return repaired
    raise UnreadableDocument("mojibake", f"{hits} character sequences of UTF-8 read as Latin-1 that cannot "
                                         "be turned back into text")


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
        warnings: list[str] = []
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            if not _cut_short(exc, len(data)):
                continue
            # A report cut off part-way may end inside a character: keep everything before it.
            text = data[:exc.start].decode(encoding)
            warnings.append(f"the document ends inside a multibyte character: its last {len(data) - exc.start} "
                            "byte(s) were dropped")
        if text.startswith("\ufeff"):
            text = text[1:]
        control = len(_CONTROL_CHARS.findall(text[:20000]))
        if control > max(3, len(text[:20000]) // 200):
            raise UnreadableDocument("binary", f"{control} control characters in the first 20,000 characters")
        if not text.strip():
            raise UnreadableDocument("empty", "the document holds only whitespace")
        text = _undo_double_encoding(text, warnings)
        return DecodedText(text=text, encoding="utf-8" if encoding == "utf-8-sig" else encoding,
                           warnings=tuple(warnings))

    if b"\x00" in data[:4096]:
        raise UnreadableDocument("binary", "NUL bytes and no text encoding fits")
    raise UnreadableDocument("undecodable", f"not valid as {' or '.join(candidates)}")
