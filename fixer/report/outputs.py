"""`--output FORMAT=FILE`: reports written to files beside what stdout shows, each atomically (a
CI step that reads the file never sees half of it; a failed run leaves the old one whole)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

FORMATS = ("text", "json", "sarif", "junit")


@dataclass(frozen=True)
class Output:
    format: str
    path: Path


def parse_output(spec: str) -> Output:
    """argparse type for `sarif=results.sarif`."""
    name, sep, file = spec.partition("=")
    if not sep or not file or name not in FORMATS:
        raise argparse.ArgumentTypeError(f"expected FORMAT=FILE with FORMAT one of {', '.join(FORMATS)} (e.g. sarif=akfix.sarif), got {spec!r}")
    return Output(name, Path(file))


def write_output(output: Output, text: str) -> str | None:
    """Write the report (its folder made when missing, as CI artefact folders often are); the
    reason it failed, or None."""
    from fixer.textfile import atomic_write

    try:
        output.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(output.path, text.encode("utf-8"))
    except OSError as exc:
        return f"--output {output.format}={output.path}: {exc.strerror or exc}"
    return None
