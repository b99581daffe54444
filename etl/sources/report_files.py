"""Where report documents come from: files, folders (walked recursively) and single report URLs.
A URL's bytes are yielded as received; a local file is yielded with its size and mtime and read only
when the loader needs it. Nothing is decoded here.

Only regular files are read, up to MAX_DOCUMENT_BYTES. Inside a folder, a symbolic link is followed only
to a file inside that same folder: a link out of it (to /etc/passwd, /dev/zero) is not read unless the
file is named on its own. Whatever cannot be read (a dangling link, a link loop, a pipe, a file the
process may not open, a failed download) is yielded as a SkippedSource with its reason, never raised,
so one bad entry does not stop the others."""

from __future__ import annotations

import errno
import operator
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ..paths import SAMPLES_DIR
from .http import HttpClient, HttpError

SAMPLE_REPORTS = SAMPLES_DIR / "reports"
# Reports are tens of kilobytes; a file a thousand times larger is not one, and reading it whole would cost
# the run its memory.
MAX_DOCUMENT_BYTES = 16 << 20


class UnreadableSource(OSError):
    """A local file that turned out unreadable when it was opened (the reason is a SkippedSource reason)."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, detail


@dataclass(frozen=True)
class SourceDocument:
    location: str                          # what the warehouse stores: a path or URL, always valid text
    content: bytes | None = None           # None for a local file, read only when needed
    file_stat: tuple[int, int] | None = None  # (size, mtime_ns) of a local file
    path: str | None = None                # the file to open, when its name is not valid UTF-8 text

    def read(self) -> bytes:
        if self.content is not None:
            return self.content
        try:
            # O_NONBLOCK: a file swapped for a named pipe after it was looked at must not hang the run.
            fd = os.open(self.path or self.location, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:
            raise UnreadableSource("unreadable", f"{exc.strerror or exc}") from None
        with os.fdopen(fd, "rb", buffering=0) as file:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise UnreadableSource("not_a_regular_file", "it is no longer a regular file")
            # Sized by the file, not by the limit: a read of limit + 1 bytes allocates that much every time.
            data = file.read(min(info.st_size, MAX_DOCUMENT_BYTES) + 1)
            if len(data) > info.st_size:  # it grew since: read on, up to the limit
                data += file.read(MAX_DOCUMENT_BYTES + 1 - len(data))
        if len(data) > MAX_DOCUMENT_BYTES:
            raise UnreadableSource("too_large", f"larger than {MAX_DOCUMENT_BYTES >> 20} MiB")
        return data


@dataclass(frozen=True)
class SkippedSource:
    """An entry that was found but not read, and why: kept so that nothing passes unnoticed."""
    location: str
    reason: str  # broken_link, link_loop, link_outside_folder, link_to_folder, not_a_regular_file, unreadable,
    #              too_large, fetch_failed
    detail: str


class SourceError(RuntimeError):
    """A configured location does not exist at all: a mistake in the configuration, not in a document."""


def printable(path: str) -> str:
    """A path as text the warehouse can store: bytes that are not UTF-8 shown as \\x escapes."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _examine(path: str, folder: str | None) -> SourceDocument | SkippedSource:
    """The file at `path`, or why it is skipped. `folder`: the walked folder links must stay in (None for a
    file named on its own, whose link the user asked to follow)."""
    location = printable(path)
    try:
        own = os.lstat(path)
        if stat.S_ISLNK(own.st_mode):
            target = os.path.realpath(path)
            if folder is not None and not _inside(target, folder):
                return SkippedSource(location, "link_outside_folder", f"links to {printable(target)}, outside "
                                                                      f"{printable(folder)}; name it to read it")
        info = os.stat(path)
    except FileNotFoundError:
        return SkippedSource(location, "broken_link", "the link points at nothing")
    except OSError as exc:
        reason = "link_loop" if exc.errno == errno.ELOOP else "unreadable"
        return SkippedSource(location, reason, exc.strerror or str(exc))
    if stat.S_ISDIR(info.st_mode):
        return SkippedSource(location, "link_to_folder", "a link to a folder is not walked (it would be read twice "
                                                         "or leave the folder)")
    if not stat.S_ISREG(info.st_mode):
        return SkippedSource(location, "not_a_regular_file", f"a {_file_kind(info.st_mode)}, not a regular file")
    return _document(path, info)


def _document(path: str, info: os.stat_result) -> SourceDocument | SkippedSource:
    """A regular file to read, unless it is over the size limit."""
    location = printable(path)
    if info.st_size > MAX_DOCUMENT_BYTES:
        return SkippedSource(location, "too_large", f"{info.st_size:,} bytes, over the limit of "
                                                    f"{MAX_DOCUMENT_BYTES >> 20} MiB")
    return SourceDocument(location, file_stat=(info.st_size, info.st_mtime_ns),
                          path=path if location != path else None)


def _file_kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "named pipe"), (stat.S_ISCHR, "character device"),
                       (stat.S_ISBLK, "block device"), (stat.S_ISSOCK, "socket")):
        if test(mode):
            return name
    return "special file"


def _walk(root: str) -> Iterator[SourceDocument | SkippedSource]:
    """Every file under the folder `root`, sorted so that runs see documents in the same order (a folder's
    files, then each of its folders in turn); hidden files and folders are skipped. A plain regular file costs
    one lstat (its directory entry already says it is no link); links and special files go through _examine.
    A stack rather than recursion: a generator per folder level costs a resumption per level per file."""
    pending = [root]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=_name)
        except OSError as exc:
            yield SkippedSource(printable(exc.filename or folder), "unreadable", exc.strerror or str(exc))
            continue
        subfolders = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                subfolders.append(entry.path)
            elif entry.is_file(follow_symlinks=False):
                yield _regular_file(entry)
            else:  # a link (to a file or a folder) or a special file
                yield _examine(entry.path, root)
        pending.extend(reversed(subfolders))


_name = operator.attrgetter("name")


def _regular_file(entry: os.DirEntry) -> SourceDocument | SkippedSource:
    try:
        info = entry.stat(follow_symlinks=False)
    except OSError as exc:
        return SkippedSource(printable(entry.path), "unreadable", exc.strerror or str(exc))
    return _document(entry.path, info)


def configured_locations(locations: Iterable[str], include_sample: bool) -> list[str]:
    """The locations to read: the bundled sample reports first when asked for, then those configured."""
    return ([str(SAMPLE_REPORTS)] if include_sample else []) + list(locations)


def iter_documents(locations: Iterable[str], client: HttpClient | None = None
                   ) -> Iterator[SourceDocument | SkippedSource]:
    for location in locations:
        if _is_url(location):
            client = client or HttpClient()
            try:
                response = client.get(location)
            except HttpError as exc:
                yield SkippedSource(location, "fetch_failed", str(exc))
                continue
            if response.status_code != 200:
                yield SkippedSource(location, "fetch_failed", f"HTTP {response.status_code}")
            else:
                yield SourceDocument(location, response.content)
            continue
        path = os.path.abspath(os.path.expanduser(location))
        if os.path.isdir(path):
            yield from _walk(os.path.realpath(path))
        elif os.path.lexists(path):
            yield _examine(os.path.realpath(path) if os.path.exists(path) else path, None)
        else:
            raise SourceError(f"report location {location} does not exist")
