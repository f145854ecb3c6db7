"""JSON documents read from files people give akfix (inventories, plans, state files): the
document, or an error that says why and where -- never a piece of the text, which may hold
credentials (a state file's kube_config)."""

from __future__ import annotations

import json


class JsonTextError(ValueError):
    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.line = line
        self.column = column


def load_json(data: bytes):
    """The document in `data` (UTF-8, a BOM allowed)."""
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise JsonTextError(f"not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise JsonTextError(f"not JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except RecursionError:
        raise JsonTextError("JSON nested too deeply") from None
