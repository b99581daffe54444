"""Where report documents come from: files, folders (walked recursively) and single report URLs.
A URL's bytes are yielded as received; a local file is yielded with its size and mtime and read only
when the loader needs it. Nothing is decoded here."""

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
    content: bytes | None = None          # None for a local file, read only when needed
    file_stat: tuple[int, int] | None = None  # (size, mtime_ns) of a local file

    def read(self) -> bytes:
        if self.content is not None:
            return self.content
        with open(self.location, "rb") as file:
            return file.read()


def _local(path: str) -> SourceDocument:
    stat = os.stat(path)
    return SourceDocument(path, file_stat=(stat.st_size, stat.st_mtime_ns))


class SourceError(RuntimeError):
    """A configured location cannot be read at all (missing folder, HTTP failure)."""


def _is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def _walk(folder: Path) -> Iterator[str]:
    # Sorted so that runs see documents in the same order; hidden files and folders are skipped. Plain
    # strings, not Path objects: on 20,000 files the difference is most of an incremental run's walk.
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield os.path.join(root, name)


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
            yield _local(str(path))
        elif path.is_dir():
            for file in _walk(path):
                yield _local(file)
        else:
            raise SourceError(f"report location {location} does not exist")
