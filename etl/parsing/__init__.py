"""The report parser: bytes or text in, one ParsedReport out (or UnreadableDocument with a reason)."""

from .decoding import UnreadableDocument, decode_document
from .model import ChangeFigures, CodeSnippet, KeyFile, ParsedReport, PrReference, ReviewHighlight
from .report import NotAReport, parse_bytes, parse_text, parser_version

__all__ = ["ChangeFigures", "CodeSnippet", "KeyFile", "NotAReport", "ParsedReport", "PrReference",
           "ReviewHighlight", "UnreadableDocument", "decode_document", "parse_bytes", "parse_text", "parser_version"]
