"""Secrets out of text: URL credentials and known token values become ***."""

from __future__ import annotations

import re

_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/@\s]+@", re.I)


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """`text` with URL credentials and every secret replaced by ***."""
    text = _URL_CREDENTIALS.sub(lambda m: m.group("scheme") + "***@", text)
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text
