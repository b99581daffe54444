"""The report parser: bytes or text in, one ParsedReport out (or UnreadableDocument with a reason)."""

from .decoding import UnreadableDocument, decode_document
from .model import ChangeFigures, CodeSnippet, KeyFile, ParsedReport, PrReference, ReviewHighlight
from .report import PARSER_VERSION, NotAReport, parse_bytes, parse_text

__all__ = ["PARSER_VERSION", "ChangeFigures", "CodeSnippet", "KeyFile", "NotAReport", "ParsedReport", "PrReference",
           "ReviewHighlight", "UnreadableDocument", "decode_document", "parse_bytes", "parse_text"]
