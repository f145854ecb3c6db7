"""The values the suppression filter works with: the rules of a run and what suppressed a cluster."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fixer.suppress.baseline import Baseline
from fixer.suppress.entries import IgnoreEntry

INLINE, IGNORE_FILE, BASELINE = "inline", "ignore-file", "baseline"


@dataclass(frozen=True)
class Rules:
    """Everything that may suppress a finding in one run, and the day it runs on."""

    today: date
    enabled: bool = True  # False: --no-suppressions (an audit sees every finding)
    entries: tuple[IgnoreEntry, ...] = ()
    baseline: Baseline | None = None


@dataclass(frozen=True)
class Suppression:
    """Why a cluster is left out of the findings, and where that is written."""

    source: str  # inline | ignore-file | baseline
    reason: str
    file: str  # inline: relative to the scanned root; otherwise the rules file as shown to the user
    line: int | None
    expires: date | None = None


def refusal(error: str | None, reason: str, expires: date | None, today: date) -> str | None:
    """Why a suppression written with this reason and expiry does not apply today (None: it
    applies). One wording for comments and ignore entries."""
    if error:
        return error
    if not reason.strip():
        return "a reason is required"
    if expires is not None and today > expires:
        return f"expired on {expires.isoformat()} and no longer applies (fix the cluster, or renew it with a later expiry)"
    return None
