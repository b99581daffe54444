"""Where report documents come from: files, folders (walked recursively) and single report URLs.
Each document is yielded as (location, bytes) exactly as read; nothing is decoded here."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..db import PROJECT_ROOT
from .http import HttpClient, HttpError

SAMPLE_REPORTS = PROJECT_ROOT / "samples" / "reports"


@dataclass(frozen=True)
class SourceDocument:
    location: str
    content: bytes


class SourceError(RuntimeError):
    """A configured location cannot be read at all (missing folder, HTTP failure)."""


def _is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def _walk(folder: Path) -> Iterator[Path]:
    # Sorted so that runs see documents in the same order; hidden files and folders are skipped.
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(root) / name


def iter_documents(locations: Iterable[str], client: HttpClient | None = None) -> Iterator[SourceDocument]:
    for location in locations:
        if _is_url(location):
            client = client or HttpClient()
            try:
                response = client.get(location)
            except HttpError as exc:
                raise SourceError(f"cannot fetch {location}: {exc}") from exc
            if response.status_code != 200:
                raise SourceError(f"cannot fetch {location}: HTTP {response.status_code}")
            yield SourceDocument(location, response.content)
            continue
        path = Path(location).expanduser().resolve()
        if path.is_file():
            yield SourceDocument(str(path), path.read_bytes())
        elif path.is_dir():
            for file in _walk(path):
                yield SourceDocument(str(file), file.read_bytes())
        else:
            raise SourceError(f"report location {location} does not exist")
