"""A polite HTTP client for the collectors: a wall-clock deadline on every exchange, retries with jittered
exponential backoff on 5xx and connection errors (within a time budget per request), GitHub's primary and
secondary rate limits honoured (with a buffer of calls kept in reserve), and conditional requests. The clock
is injectable so that waits can be tested without sleeping.

The token travels only in the Authorization header, and only to the configured API host: a `Link` header,
a redirect or a URL found in a payload that points elsewhere gets no token. It is scrubbed from every log
line and error message, and from every response body and header the client hands back (a server that echoes
it gets a marker in its place), so whatever stores a response never stores the token.

A body is read by the client itself, as it came (never decoded by requests on the way): one whose
Content-Encoding is a lie, that ends before its Content-Length, that outgrows `max_body_bytes` or that is
not whole by the deadline is an HttpError carrying what did arrive (`received`), so the caller can keep it.

Errors come in two kinds: HttpError (the request failed after retrying what can heal: 5xx, timeouts, rate
limits; `reason` says how, `status` what was last answered) and FatalHttpError (no retry can help: bad
credentials, a host that does not resolve or refuses connections), which the caller fails at once instead of
retrying the step."""

from __future__ import annotations

import http.client
import random
import re
import socket
import time
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import requests
import urllib3
from requests.structures import CaseInsensitiveDict

from .http_deadline import Deadline, DeadlineAdapter

RETRIABLE_STATUS = frozenset({500, 502, 503, 504})
# Statuses handed back to the caller by default, who decides what they mean for the item (304 unchanged,
# 404 missing). A caller may ask for more (`answers`): the GitHub collector takes every 4xx that is not about
# credentials or limits, since a 422 on one PR's files says nothing about the others.
PASSED_THROUGH = frozenset({200, 304, 404, 410})
NOT_ABOUT_THE_ITEM = frozenset({401, 403, 407, 429})  # credentials and limits: never handed back
ITEM_STATUSES = PASSED_THROUGH | (frozenset(range(400, 500)) - NOT_ABOUT_THE_ITEM)
REDACTED = "[REDACTED]"


class HttpError(RuntimeError):
    """A request that failed after every retry. `reason` names how (server_error, no_answer, garbled,
    too_slow, cut_short, undecodable, too_large, rate_limited, http_error), `status` is the last status
    answered (None: no answer), `received` what the server did send, as a requests.Response, when there was
    a body."""

    def __init__(self, message: str, *, reason: str = "http_error", status: int | None = None,
                 received: requests.Response | None = None):
        super().__init__(message)
        self.reason, self.status, self.received = reason, status, received


class FatalHttpError(HttpError):
    """A request that no retry can help (bad credentials, nothing at that address, no such host)."""


# GitHub's token formats (classic, fine-grained, app and OAuth tokens), and whatever follows "Bearer"/"token".
_TOKEN_SHAPES = re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})"
                           r"|(?<=Bearer )\S+|(?<=token )[A-Za-z0-9_]{20,}", re.I)
_TOKEN_SHAPES_IN_BYTES = re.compile(_TOKEN_SHAPES.pattern.encode(), re.I)


def scrub(text: str, secrets: tuple[str, ...] = ()) -> str:
    """`text` with every secret and anything shaped like a GitHub token replaced by [REDACTED]."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return _TOKEN_SHAPES.sub(REDACTED, text)


def scrub_bytes(content: bytes, secrets: tuple[str, ...] = ()) -> bytes:
    """`scrub` for a body as received (whatever its encoding, the token is ASCII)."""
    for secret in secrets:
        if secret:
            content = content.replace(secret.encode(), REDACTED.encode())
    return _TOKEN_SHAPES_IN_BYTES.sub(REDACTED.encode(), content)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = requests.utils.urlparse(url)
    port = parts.port or {"https": 443, "http": 80}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


def same_origin(url: str, other: str) -> bool:
    try:
        return _origin(url) == _origin(other)
    except ValueError:  # a port that is not a number
        return False


def _garbled(exc: BaseException) -> bool:
    """Whether the answer came but its status line or headers could not be read (a header line longer than
    http.client takes, more than 100 headers, a status line that is not HTTP)."""
    seen, cause = set(), exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, http.client.HTTPException) and not isinstance(cause, http.client.RemoteDisconnected):
            return True
        cause = cause.__cause__ or cause.__context__ or (cause.args[1] if len(cause.args) > 1 and isinstance(
            cause.args[1], BaseException) else None)
    return False


def _cannot_heal(exc: requests.ConnectionError) -> str | None:
    """Why a connection error will not go away by retrying (no such host, connection refused), else None."""
    seen, cause = set(), exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, socket.gaierror) or "NameResolutionError" in type(cause).__name__:
            return "the host name does not resolve"
        if isinstance(cause, ConnectionRefusedError):
            return "the host refuses connections"
        cause = cause.__cause__ or cause.__context__ or (cause.args[0] if cause.args and isinstance(
            cause.args[0], BaseException) else getattr(cause, "reason", None))
    text = str(exc)
    if "Name or service not known" in text or "nodename nor servname" in text or "Failed to resolve" in text:
        return "the host name does not resolve"
    if "Connection refused" in text:
        return "the host refuses connections"
    return None


@dataclass
class Clock:
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], float] = time.time


@dataclass(frozen=True)
class HttpPolicy:
    timeout: tuple[float, float] = (10.0, 60.0)  # connect, read seconds (each wait for the socket)
    deadline: float = 30.0                      # seconds for one whole exchange, headers and body
    max_retries: int = 5                        # per request, for 5xx and connection errors
    retry_budget: float = 60.0                  # seconds: no retry starts after a request has taken this long
    backoff_base: float = 1.0                   # seconds; doubles per attempt
    backoff_cap: float = 60.0
    max_body_bytes: int = 256 << 20             # a longer body is not read
    max_rate_limit_waits: int = 5               # per request
    max_wait: float = 3600.0                    # a longer rate-limit wait fails the run instead (it resumes later)
    rate_limit_buffer: int = 50                 # calls kept in reserve: below this many, wait for the reset
    secondary_limit_wait: float = 60.0          # when a secondary limit gives no Retry-After


@dataclass
class RequestStats:
    requests: int = 0
    by_status: Counter = field(default_factory=Counter)
    retries: int = 0
    rate_limit_waits: int = 0
    seconds_waited: float = 0.0

    def as_dict(self) -> dict:
        return {"requests": self.requests, "by_status": {str(k): v for k, v in sorted(self.by_status.items())},
                "retries": self.retries, "rate_limit_waits": self.rate_limit_waits,
                "seconds_waited": round(self.seconds_waited, 1)}


def _header_int(response: requests.Response, name: str) -> int | None:
    try:
        return int(response.headers[name])
    except (KeyError, ValueError):
        return None


def message_of(response: requests.Response) -> str:
    """GitHub's error message when the body is JSON, else the start of the body."""
    try:
        return str(response.json().get("message", ""))[:300]
    except (ValueError, AttributeError, RecursionError):
        return response.text[:200].strip()


class _Cut(Exception):
    """The body stopped coming: the deadline passed, or the connection closed before its end. `received` is
    the response with what did come, if anything did."""

    def __init__(self, reason: str, why: str, received: requests.Response | None = None):
        super().__init__(why)
        self.reason, self.received = reason, received


class _Unusable(Exception):
    """The body came, but cannot be handed on (too large, an encoding that does not decode)."""

    def __init__(self, reason: str, why: str):
        super().__init__(why)
        self.reason = reason


def _decoded(content: bytes, encoding: str, limit: int) -> bytes:
    """The body under its Content-Encoding (gzip and deflate, the only ones asked for), never more than
    `limit` bytes of it (a few MB of zeros gzipped can unpack to gigabytes)."""
    codings = [c.strip().lower() for c in encoding.split(",") if c.strip() and c.strip().lower() != "identity"]
    for coding in reversed(codings):
        if coding not in ("gzip", "x-gzip", "deflate"):
            raise _Unusable("undecodable", f"Content-Encoding {coding}, which was not asked for")
        try:
            content = _inflated(content, 16 + zlib.MAX_WBITS if coding != "deflate" else zlib.MAX_WBITS, limit)
        except zlib.error as exc:
            try:  # deflate is also sent without its zlib header
                content = _inflated(content, -zlib.MAX_WBITS, limit) if coding == "deflate" else None
            except zlib.error:
                content = None
            if content is None:
                raise _Unusable("undecodable", f"Content-Encoding {coding}, but the body does not decode ({exc})"
                                ) from None
    return content


def _inflated(content: bytes, window: int, limit: int) -> bytes:
    inflater = zlib.decompressobj(window)
    out = inflater.decompress(content, limit + 1)
    if len(out) > limit or inflater.unconsumed_tail:
        raise _Unusable("too_large", f"the body unpacks to more than {limit:,} bytes")
    if not inflater.eof:
        raise zlib.error("the compressed body ends early")
    return out


class HttpClient:
    def __init__(self, *, token: str | None = None, token_url: str | None = None, accept: str | None = None,
                 policy: HttpPolicy | None = None, clock: Clock | None = None, rng: random.Random | None = None,
                 log: Callable[[str], None] | None = None):
        """`token` is sent only to the scheme, host and port of `token_url` (the configured API base)."""
        if token and not token_url:
            raise ValueError("a token needs the URL of the one host it may be sent to")
        self.policy = policy or HttpPolicy()
        self.clock = clock or Clock()
        self.stats = RequestStats()
        self._rng = rng or random.Random()
        self._secrets = (token,) if token else ()
        self._token_origin = _origin(token_url) if token else None
        self._log = log or (lambda _message: None)
        self._session = requests.Session()
        for scheme in ("http://", "https://"):
            self._session.mount(scheme, DeadlineAdapter())
        self._session.headers["User-Agent"] = "pr-atlas"
        self._session.headers["Accept-Encoding"] = "gzip, deflate"  # the codings _decoded knows
        if accept:
            self._session.headers["Accept"] = accept

    def _say(self, message: str) -> None:
        self._log(scrub(message, self._secrets))

    def _error(self, message: str, fatal: bool = False, **details) -> HttpError:
        return (FatalHttpError if fatal else HttpError)(scrub(message, self._secrets), **details)

    def close(self) -> None:
        self._session.close()

    def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
            answers: frozenset[int] = PASSED_THROUGH, retry: bool = True) -> requests.Response:
        """GET with retries and rate-limit waits. Returns a response whose status is one of `answers`, its
        body read whole and scrubbed of the token; raises HttpError for anything else once retrying cannot
        help (at once with `retry` False)."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return self._request("GET", url, headers, answers=answers, retry=retry)

    def post(self, url: str, payload: dict, *, pass_through: frozenset[int] = frozenset(),
             retry: bool = True) -> requests.Response:
        """POST `payload` as JSON (a GraphQL query) under the same token, deadline, retry and rate-limit rules as
        GET (one attempt with `retry` False). The statuses in `pass_through` are handed back instead of
        retried, for a caller with a better remedy (a smaller GraphQL page on a 502)."""
        return self._request("POST", url, {}, payload=payload, answers=PASSED_THROUGH | pass_through, retry=retry)

    def _request(self, method: str, url: str, headers: dict, *, payload: dict | None = None,
                 answers: frozenset[int] = PASSED_THROUGH, retry: bool = True) -> requests.Response:
        if self._secrets and _origin(url) == self._token_origin:
            headers["Authorization"] = f"Bearer {self._secrets[0]}"
        failures = rate_limit_waits = 0
        began = self.clock.now()
        while True:
            try:
                response = self._exchange(method, url, headers, payload)
            except _Cut as cut:
                failures += 1
                self._retry_later(failures, began, url, cut.reason, str(cut), retry, method=method,
                                  status=cut.received.status_code if cut.received is not None else None,
                                  received=cut.received)
                continue
            except requests.ConnectionError as exc:
                if why := _cannot_heal(exc):
                    raise self._error(f"{method} {url} failed: {why} ({type(exc).__name__})", fatal=True,
                                      reason="no_answer") from None
                failures += 1
                self._retry_later(failures, began, url, "garbled" if _garbled(exc) else "no_answer", _short(exc),
                                  retry, method=method)
                continue
            except requests.Timeout as exc:
                failures += 1
                self._retry_later(failures, began, url, "too_slow", f"no answer within the timeout "
                                  f"({type(exc).__name__})", retry, method=method)
                continue
            except requests.RequestException as exc:  # a redirect loop, a URL requests refuses
                raise self._error(f"{method} {url} failed: {_short(exc)}", reason="http_error") from None
            self.stats.requests += 1
            self.stats.by_status[response.status_code] += 1
            if isinstance(response, _UnusableResponse):
                raise self._error(f"{method} {url}: HTTP {response.status_code} with a body that cannot be used: "
                                  f"{response.why}", reason=response.unusable, status=response.status_code,
                                  received=response)
            if response.status_code in answers:
                self._keep_buffer(response)
                return response
            if response.status_code in RETRIABLE_STATUS:
                failures += 1
                self._retry_later(failures, began, url, "server_error", f"HTTP {response.status_code}", retry,
                                  method=method, status=response.status_code)
                continue
            wait = self._rate_limit_wait(response, rate_limit_waits)
            if wait is None:
                what = {401: " (the token is missing, wrong or expired)",
                        403: " (the token may not read this)"}.get(response.status_code, "")
                fatal = response.status_code in NOT_ABOUT_THE_ITEM or (
                    400 <= response.status_code < 500 and answers == PASSED_THROUGH)
                raise self._error(f"{method} {url} failed: HTTP {response.status_code}{what}: {message_of(response)}"
                                  .rstrip(": "), fatal=fatal, status=response.status_code, received=response,
                                  reason="server_error" if response.status_code >= 500 else "http_error")
            if not retry:
                raise self._error(f"{method} {url}: rate limited (HTTP {response.status_code})", reason="rate_limited",
                                  status=response.status_code)
            rate_limit_waits += 1
            if rate_limit_waits > self.policy.max_rate_limit_waits:
                raise self._error(f"{method} {url}: still rate limited after {rate_limit_waits - 1} waits",
                                  reason="rate_limited", status=response.status_code)
            self._wait(wait, f"rate limited on {url} (HTTP {response.status_code})")

    def _exchange(self, method: str, url: str, headers: dict, payload: dict | None) -> requests.Response:
        """One request and its whole body, within the deadline; the body as received (decoded only from its
        Content-Encoding) and scrubbed of the token, headers too."""
        deadline = Deadline(self.policy.deadline)
        with deadline.running():
            try:
                response = self._session.request(method, url, headers=headers, json=payload,
                                                 timeout=self.policy.timeout, stream=True)
            except requests.RequestException:
                if deadline.expired:
                    self._forget_connections()
                    raise _Cut("too_slow", f"no answer within the {self.policy.deadline:g} s deadline") from None
                raise
            raw = b""
            try:
                raw = self._read(response, deadline)
                content = _decoded(raw, response.headers.get("Content-Encoding", ""), self.policy.max_body_bytes)
            except _Unusable as unusable:
                return _UnusableResponse.of(response, scrub_bytes(raw, self._secrets), unusable, self._secrets)
            finally:
                response.close()
        _scrub_headers(response, self._secrets)
        response._content = scrub_bytes(content, self._secrets)
        response._content_consumed = True
        return response

    def _read(self, response: requests.Response, deadline: Deadline) -> bytes:
        chunks, size = [], 0
        try:
            for chunk in response.raw.stream(64 << 10, decode_content=False):
                size += len(chunk)
                if size > self.policy.max_body_bytes:
                    raise _Unusable("too_large", f"the body is larger than {self.policy.max_body_bytes:,} bytes")
                chunks.append(chunk)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            if not deadline.expired:
                raise _Cut("cut_short", f"the body ended early ({size:,} bytes; {_short(exc)})",
                           self._partial(response, chunks)) from None
        if deadline.expired:  # a body without a length ends at the cut as if it were whole
            self._forget_connections()
            raise _Cut("too_slow", f"the body was not whole within the {self.policy.deadline:g} s deadline "
                       f"({size:,} bytes by then)", self._partial(response, chunks))
        return b"".join(chunks)

    def _forget_connections(self) -> None:
        """A connection cut at its deadline is not handed to the next request."""
        for adapter in self._session.adapters.values():
            adapter.poolmanager.clear()

    def _partial(self, response: requests.Response, chunks: list[bytes]) -> requests.Response | None:
        """The response with the part of its body that came (scrubbed), to be kept; None when none came."""
        if not chunks:
            return None
        _scrub_headers(response, self._secrets)
        response._content = scrub_bytes(b"".join(chunks), self._secrets)
        response._content_consumed = True
        return response

    def _retry_later(self, failures: int, began: float, url: str, reason: str, what: str, retry: bool,
                     status: int | None = None, received: requests.Response | None = None,
                     method: str = "GET") -> None:
        """Wait before the next attempt (jittered, doubling); or give up: no retries asked for, the retries
        spent, or the wait would end past the request's retry budget (so no attempt starts after it, and a
        request fails within the budget and one deadline)."""
        doubled = min(self.policy.backoff_cap, self.policy.backoff_base * 2 ** (failures - 1))
        delay = doubled * (0.5 + self._rng.random())
        spent = self.clock.now() - began
        if not retry or failures > self.policy.max_retries or spent + delay >= self.policy.retry_budget:
            raise self._error(f"{method} {url} failed after {failures} attempt{'s' if failures > 1 else ''}: {what}",
                              reason=reason, status=status, received=received)
        self.stats.retries += 1
        self._wait(delay, f"{what} from {url}; retry {failures}", rate_limited=False)

    def _rate_limit_wait(self, response: requests.Response, earlier_waits: int) -> float | None:
        """Seconds to wait when the response is a rate limit, else None (the error is fatal)."""
        if response.status_code not in (403, 429):
            return None
        retry_after = _header_int(response, "Retry-After")
        if retry_after is not None:  # secondary limit: as told, plus jitter so parallel workers spread out
            retry_after = max(0, retry_after)
            return retry_after + self._rng.uniform(0, max(1.0, retry_after * 0.1))
        if _header_int(response, "X-RateLimit-Remaining") == 0:
            reset = _header_int(response, "X-RateLimit-Reset")
            return max(0.0, (reset or self.clock.now()) - self.clock.now()) + 1.0
        if "secondary rate limit" in message_of(response).lower() or "abuse" in message_of(response).lower():
            base = self.policy.secondary_limit_wait * 2 ** earlier_waits
            return base + self._rng.uniform(0, base * 0.1)
        return None

    def _keep_buffer(self, response: requests.Response) -> None:
        """Below the reserve of calls, wait for the window to reset rather than spend the last ones."""
        remaining = _header_int(response, "X-RateLimit-Remaining")
        reset = _header_int(response, "X-RateLimit-Reset")
        if remaining is None or reset is None or remaining > self.policy.rate_limit_buffer:
            return
        wait = reset - self.clock.now()
        if wait > self.policy.max_wait:  # GitHub's window is an hour: a reset further off is not one to wait for
            self._say(f"{remaining} calls left, but the reset it gives is {wait:.0f} s away; not waited for")
        elif wait > 0:
            self._wait(wait + 1.0, f"{remaining} calls left, under the reserve of {self.policy.rate_limit_buffer}")

    def _wait(self, seconds: float, why: str, *, rate_limited: bool = True) -> None:
        if seconds > self.policy.max_wait:
            raise self._error(f"{why}: the wait of {seconds:.0f} s is longer than the allowed "
                              f"{self.policy.max_wait:.0f} s; the next run resumes from the bookmark",
                              reason="rate_limited")
        if rate_limited:
            self.stats.rate_limit_waits += 1
        self.stats.seconds_waited += seconds
        self._say(f"{why}: waiting {seconds:.1f} s")
        self.clock.sleep(seconds)


def _scrub_headers(response: requests.Response, secrets: tuple[str, ...]) -> None:
    for name, value in list(response.headers.items()):
        response.headers[name] = scrub(value, secrets)


class _UnusableResponse(requests.Response):
    """A response whose body arrived but cannot be handed on; `content` is the body as it came (empty when
    it was too large to keep)."""

    unusable: str  # the reason, as HttpError.reason names it
    why: str

    @classmethod
    def of(cls, response: requests.Response, content: bytes, unusable: _Unusable,
           secrets: tuple[str, ...]) -> _UnusableResponse:
        made = cls()
        made.__dict__.update(response.__dict__)
        made._content = b"" if unusable.reason == "too_large" else content
        made._content_consumed = True
        made.unusable, made.why = unusable.reason, str(unusable)
        _scrub_headers(made, secrets)
        return made


def _short(exc: BaseException) -> str:
    """An exception in one line, without the object addresses urllib3 puts in its messages."""
    text = re.sub(r"<[^<>]* at 0x[0-9a-f]+>", "", str(exc))
    return f"{type(exc).__name__}: {' '.join(text.split())[:300]}"


def next_link(headers) -> str | None:
    """The `next` URL of a Link header, exactly as given (GitHub rewrites it to /repositories/{id}/...)."""
    link = CaseInsensitiveDict(headers).get("Link")
    if not link:
        return None
    return next((entry["url"] for entry in requests.utils.parse_header_links(link) if entry.get("rel") == "next"),
                None)


def last_page(headers) -> int | None:
    """The page number of the Link header's `last` URL, when it has one: how many pages the list holds."""
    link = CaseInsensitiveDict(headers).get("Link")
    if not link:
        return None
    last = next((entry["url"] for entry in requests.utils.parse_header_links(link) if entry.get("rel") == "last"),
                None)
    found = re.search(r"[?&]page=(\d{1,9})(?:&|$)", last or "")
    return int(found.group(1)) if found else None
