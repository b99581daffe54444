"""A polite HTTP client for the collectors: timeouts on every request, retries with jittered exponential
backoff on 5xx and connection errors, GitHub's primary and secondary rate limits honoured (with a
buffer of calls kept in reserve), and conditional requests. The clock is injectable so that waits can
be tested without sleeping.

The token travels only in the Authorization header, and only to the configured API host: a `Link` header,
a redirect or a URL found in a payload that points elsewhere gets no token. It is scrubbed from every log
line and error message, whatever the server echoed back.

Errors come in two kinds: HttpError (the request failed after retrying what can heal: 5xx, timeouts, rate
limits) and FatalHttpError (no retry can help: bad credentials, no such repository, a host that does not
resolve or refuses connections), which the caller fails at once instead of retrying the step."""

from __future__ import annotations

import random
import re
import socket
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import requests
from requests.structures import CaseInsensitiveDict

RETRIABLE_STATUS = frozenset({500, 502, 503, 504})
RETRIABLE_ERRORS = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)
# Statuses handed back to the caller, who decides what they mean for the item (304 unchanged, 404 missing).
PASSED_THROUGH = frozenset({200, 304, 404, 410})


class HttpError(RuntimeError):
    """A request that failed after every retry: the run stops with this message (a later run may succeed)."""


class FatalHttpError(HttpError):
    """A request that no retry can help (bad credentials, nothing at that address, no such host)."""


# GitHub's token formats (classic, fine-grained, app and OAuth tokens), and whatever follows "Bearer"/"token".
_TOKEN_SHAPES = re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})"
                           r"|(?<=Bearer )\S+|(?<=token )[A-Za-z0-9_]{20,}", re.I)


def scrub(text: str, secrets: tuple[str, ...] = ()) -> str:
    """`text` with every secret and anything shaped like a GitHub token replaced by [REDACTED]."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[REDACTED]")
    return _TOKEN_SHAPES.sub("[REDACTED]", text)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = requests.utils.urlparse(url)
    port = parts.port or {"https": 443, "http": 80}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


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
    timeout: tuple[float, float] = (10.0, 60.0)  # connect, read seconds
    max_retries: int = 5                        # per request, for 5xx and connection errors
    backoff_base: float = 1.0                   # seconds; doubles per attempt
    backoff_cap: float = 60.0
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


def _message(response: requests.Response) -> str:
    """GitHub's error message when the body is JSON, else the start of the body."""
    try:
        return str(response.json().get("message", ""))[:300]
    except (ValueError, AttributeError):
        return response.text[:200].strip()


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
        self._session.headers["User-Agent"] = "pr-atlas"
        if accept:
            self._session.headers["Accept"] = accept

    def _say(self, message: str) -> None:
        self._log(scrub(message, self._secrets))

    def _error(self, message: str, fatal: bool = False) -> HttpError:
        return (FatalHttpError if fatal else HttpError)(scrub(message, self._secrets))

    def close(self) -> None:
        self._session.close()

    def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> requests.Response:
        """GET with retries and rate-limit waits. Returns a 200, 304, 404 or 410 response; raises HttpError
        for anything else once retrying cannot help."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return self._request("GET", url, headers)

    def post(self, url: str, payload: dict, *, pass_through: frozenset[int] = frozenset()) -> requests.Response:
        """POST `payload` as JSON (a GraphQL query) under the same token, retry and rate-limit rules as GET. The
        statuses in `pass_through` are handed back instead of retried, for a caller with a better remedy (a
        smaller GraphQL page on a 502)."""
        return self._request("POST", url, {}, payload=payload, pass_through=pass_through)

    def _request(self, method: str, url: str, headers: dict, *, payload: dict | None = None,
                 pass_through: frozenset[int] = frozenset()) -> requests.Response:
        if self._secrets and _origin(url) == self._token_origin:
            headers["Authorization"] = f"Bearer {self._secrets[0]}"
        failures = rate_limit_waits = 0
        while True:
            try:
                response = self._session.request(method, url, headers=headers, json=payload,
                                                 timeout=self.policy.timeout)
            except RETRIABLE_ERRORS as exc:
                if isinstance(exc, requests.ConnectionError) and (why := _cannot_heal(exc)):
                    raise self._error(f"{method} {url} failed: {why} ({type(exc).__name__})", fatal=True) from None
                failures += 1
                self._give_up_after(failures, method, url, f"{type(exc).__name__}")
                self._backoff(failures, url, type(exc).__name__)
                continue
            self.stats.requests += 1
            self.stats.by_status[response.status_code] += 1
            if response.status_code in PASSED_THROUGH or response.status_code in pass_through:
                self._keep_buffer(response)
                return response
            if response.status_code in RETRIABLE_STATUS:
                failures += 1
                self._give_up_after(failures, method, url, f"HTTP {response.status_code}")
                self._backoff(failures, url, f"HTTP {response.status_code}")
                continue
            wait = self._rate_limit_wait(response, rate_limit_waits)
            if wait is None:
                what = {401: " (the token is missing, wrong or expired)",
                        403: " (the token may not read this)"}.get(response.status_code, "")
                raise self._error(f"{method} {url} failed: HTTP {response.status_code}{what}: {_message(response)}"
                                  .rstrip(": "), fatal=400 <= response.status_code < 500)
            rate_limit_waits += 1
            if rate_limit_waits > self.policy.max_rate_limit_waits:
                raise self._error(f"{method} {url}: still rate limited after {rate_limit_waits - 1} waits")
            self._wait(wait, f"rate limited on {url} (HTTP {response.status_code})")

    def _give_up_after(self, failures: int, method: str, url: str, what: str) -> None:
        if failures > self.policy.max_retries:
            raise self._error(f"{method} {url} failed after {failures} attempts: {what}")

    def _backoff(self, failures: int, url: str, what: str) -> None:
        self.stats.retries += 1
        delay = min(self.policy.backoff_cap, self.policy.backoff_base * 2 ** (failures - 1))
        self._wait(delay * (0.5 + self._rng.random()), f"{what} from {url}; retry {failures}", rate_limited=False)

    def _rate_limit_wait(self, response: requests.Response, earlier_waits: int) -> float | None:
        """Seconds to wait when the response is a rate limit, else None (the error is fatal)."""
        if response.status_code not in (403, 429):
            return None
        retry_after = _header_int(response, "Retry-After")
        if retry_after is not None:  # secondary limit: as told, plus jitter so parallel workers spread out
            return retry_after + self._rng.uniform(0, max(1.0, retry_after * 0.1))
        if _header_int(response, "X-RateLimit-Remaining") == 0:
            reset = _header_int(response, "X-RateLimit-Reset")
            return max(0.0, (reset or self.clock.now()) - self.clock.now()) + 1.0
        if "secondary rate limit" in _message(response).lower() or "abuse" in _message(response).lower():
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
        if wait > 0:
            self._wait(wait + 1.0, f"{remaining} calls left, under the reserve of {self.policy.rate_limit_buffer}")

    def _wait(self, seconds: float, why: str, *, rate_limited: bool = True) -> None:
        if seconds > self.policy.max_wait:
            raise self._error(f"{why}: the wait of {seconds:.0f} s is longer than the allowed "
                              f"{self.policy.max_wait:.0f} s; the next run resumes from the bookmark")
        if rate_limited:
            self.stats.rate_limit_waits += 1
        self.stats.seconds_waited += seconds
        self._say(f"{why}: waiting {seconds:.1f} s")
        self.clock.sleep(seconds)


def next_link(headers) -> str | None:
    """The `next` URL of a Link header, exactly as given (GitHub rewrites it to /repositories/{id}/...)."""
    link = CaseInsensitiveDict(headers).get("Link")
    if not link:
        return None
    return next((entry["url"] for entry in requests.utils.parse_header_links(link) if entry.get("rel") == "next"),
                None)
