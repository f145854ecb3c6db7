"""A small JSON-over-HTTPS client for the forges' REST APIs: retries what the hosts ask us to
retry (429, GitHub's rate-limit 403, Retry-After on 503) and never lets a token reach a message.

urllib is enough here: three hosts, a dozen endpoints, no streaming; a dependency would add
nothing the tests could not already see.
"""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Callable

from fixer.deliver.forges import ForgeError
from fixer.deliver.redact import redact

MAX_WAIT = 120.0  # seconds: a longer Retry-After is reported rather than slept through


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: Any


@dataclass
class HttpClient:
    base_url: str
    headers: dict[str, str]
    secrets: tuple[str, ...] = ()
    attempts: int = 4
    timeout: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    waited: list[float] = field(default_factory=list)  # what we slept, for the report and tests

    def request(self, method: str, path: str, params: dict | None = None, body: Any = None) -> Response:
        url = path if path.startswith(("http://", "https://")) else self.base_url.rstrip("/") + path
        if params:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
        data = json.dumps(body).encode() if body is not None else None
        for attempt in range(1, self.attempts + 1):
            try:
                response = self._send(method, url, data)
            except ForgeError as exc:
                wait = _retry_after(exc, method) if attempt < self.attempts else None
                if wait is None:
                    raise
                if wait > MAX_WAIT:
                    raise ForgeError(exc.status, f"{exc} (the host asks to wait {wait:.0f} s; try again later)") from None
                self.waited.append(wait)
                self.sleep(wait)
                continue
            return response
        raise AssertionError("unreachable")

    def paginate(self, path: str, params: dict | None = None, items: Callable[[Any], list] = lambda body: body) -> list:
        """Every page of a list endpoint (Link: rel="next", GitLab's X-Next-Page)."""
        results, response = [], self.request("GET", path, params)
        while True:
            results.extend(items(response.body))
            following = _next_link(response.headers)
            if following is None:
                return results
            response = self.request("GET", following)

    def _send(self, method: str, url: str, data: bytes | None) -> Response:
        request = urllib.request.Request(url, data=data, method=method, headers={
            **self.headers, "Accept": self.headers.get("Accept", "application/json"), "User-Agent": "akfix",
            **({"Content-Type": "application/json"} if data is not None else {}),
        })
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as raw:
                payload = raw.read()
                return Response(raw.status, {k.lower(): v for k, v in raw.headers.items()}, _json(payload))
        except urllib.error.HTTPError as exc:
            payload = exc.read()
            headers = {k.lower(): v for k, v in exc.headers.items()} if exc.headers else {}
            message = redact(f"{method} {_path_of(url)}: HTTP {exc.code}: {_message(_json(payload), exc.reason)}", self.secrets)
            raise ForgeError(exc.code, message, headers) from None
        except (urllib.error.URLError, socket.timeout, ConnectionError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ForgeError(0, redact(f"{method} {_path_of(url)}: no answer from the host: {reason}", self.secrets)) from None


def _json(payload: bytes) -> Any:
    if not payload:
        return None
    try:
        return json.loads(payload)
    except ValueError:
        return payload.decode("utf-8", "replace")[:300]


def _message(body: Any, reason: str) -> str:
    """The host's own words: GitHub `message` + `errors`, GitLab `message`/`error`, ADO `message`."""
    if isinstance(body, dict):
        parts = [str(body.get("message") or body.get("error") or reason)]
        for error in body.get("errors") or []:
            parts.append(str(error.get("message") or error.get("code") or error) if isinstance(error, dict) else str(error))
        return "; ".join(parts)
    return str(body or reason)


def _path_of(url: str) -> str:
    return urllib.parse.urlsplit(url).path


def _retry_after(exc: ForgeError, method: str) -> float | None:
    """Seconds to wait before retrying, or None when the request must not be retried."""
    headers = exc.headers
    if "retry-after" in headers:
        try:
            return max(0.0, float(headers["retry-after"]))
        except ValueError:
            return 60.0
    if exc.status == 429 or (exc.status == 403 and headers.get("x-ratelimit-remaining") == "0"):
        reset = headers.get("x-ratelimit-reset")
        return max(0.0, float(reset) - time.time()) if reset and reset.isdigit() else 60.0
    if exc.status in (0, 502, 503, 504) and method in ("GET", "PUT", "PATCH"):
        return 1.0  # idempotent: a blip is worth one more try; a POST might have landed
    return None


def _next_link(headers: dict[str, str]) -> str | None:
    for part in headers.get("link", "").split(","):
        if 'rel="next"' in part:
            return part.split(";", 1)[0].strip().strip("<>")
    return None
