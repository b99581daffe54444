"""A wall-clock deadline for a whole HTTP exchange (headers and body), not only for each read.

requests' timeout bounds each wait for the socket: a server that sends a byte every few seconds never trips
it, in the headers or in the body, and holds the caller for as long as it likes. Here a timer shuts the
connection's socket down when the deadline passes, which ends whatever read is waiting on it; the caller
then sees `expired` and knows the exchange was cut, not finished.

The socket is learnt as the response is awaited: requests' adapter gets connection pools whose connections
hand their socket to the deadline of the exchange running in this thread."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_running = threading.local()  # the Deadline of the exchange this thread is in, if any


class Deadline:
    """Shuts down the socket of the exchange it watches once `seconds` have passed."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.expired = False
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def watch(self, sock: socket.socket | None) -> None:
        with self._lock:
            self._socket = sock
            if self.expired:
                self._shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            self._shut(self._socket)

    @staticmethod
    def _shut(sock: socket.socket | None) -> None:
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    @contextlib.contextmanager
    def running(self) -> Iterator[Deadline]:
        _running.deadline = self
        self._timer.start()
        try:
            yield self
        finally:
            self._timer.cancel()
            _running.deadline = None


class _Watched:
    def getresponse(self, *args, **kwargs):
        deadline = getattr(_running, "deadline", None)
        if deadline is not None:
            deadline.watch(self.sock)
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class DeadlineAdapter(HTTPAdapter):
    """requests' adapter, with connections a running Deadline can cut."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}
