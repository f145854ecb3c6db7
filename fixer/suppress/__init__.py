"""Suppressions: `akfix:ignore` comments, ignore-list entries and the baseline, applied as one
filter over a run's findings (screen.py).

May import the formats' comment readers, fixer.plan, fixer.report (paths as people see them) and
below; cli imports suppress, never the other way round.
"""

from fixer.suppress.rules import Rules, Suppression
from fixer.suppress.screen import Holder, Screened, Suppressed, filter_results, screen

__all__ = ["Holder", "Rules", "Screened", "Suppressed", "Suppression", "filter_results", "screen"]
