"""Command-line options for configuration, suppressions and the baseline, and `settle`: options a
user did not give are taken from the configuration file, then from akfix's defaults.

A flag always wins. That needs argparse to tell "not given" from "given the default": options with
a default of their own (`--engine`, `--bases-dir`) default to None; repeatable options default to
[] and switches to False, which no command line can produce by giving the option.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

# Config field -> argparse dest, for the options a command has.
_FROM_CONFIG = {
    "engine": "engine",
    "bases_dir": "bases_dir",
    "exclude_namespaces": "exclude_namespace",
    "namespaces": "namespace",
    "labels": "label",
    "reviewers": "reviewer",
    "draft": "draft",
    "base": "base",
    "assume_network": "assume_network",
    "azurerm_version": "azurerm_version",
    "baseline": "baseline",
    "allowed_engines": "allowed_engines",  # `akfix check --allowed-engines` (issue 8, part A)
    "inventory": "inventory",  # live facts (issue 17), paths relative to the configuration file
    "migrate_kubenet": "migrate_kubenet",
    "kyverno": "kyverno",  # bases, apply and the bot write the Kyverno policy (issue 18)
    "connectivity_test": "connectivity_test",  # ... and the connectivity Jobs
    "flows": "flows",  # Hubble flow exports (issue 19)
    "min_flows": "min_flows",
}


def _built_in() -> dict:
    from fixer.kustomize import DEFAULT_BASES_DIR

    return {"engine": ("cilium",), "bases_dir": DEFAULT_BASES_DIR}


def engine_list(text: str) -> tuple[str, ...]:
    """`--engine` and `--allowed-engines`: engines, comma-separated, each once, in the order given."""
    from fixer.model import ENGINES

    engines = tuple(dict.fromkeys(e.strip().lower() for e in text.split(",") if e.strip()))
    unknown = [e for e in engines if e not in ENGINES]
    if unknown or not engines:
        raise argparse.ArgumentTypeError(f"expected engines from {', '.join(ENGINES)}, comma-separated; got {text!r}")
    return engines


def today() -> date:
    """The day expiries are compared with (tests replace it)."""
    return date.today()


def add_config_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("configuration").add_mutually_exclusive_group()
    group.add_argument("--config", dest="config_file", type=Path, metavar="FILE",
                       help="read this configuration (.akfix.toml, or pyproject.toml's [tool.akfix]) instead of looking upward for one")
    group.add_argument("--no-config", action="store_true", help="read no configuration file")


def add_suppression_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-suppressions", action="store_true",
                        help="ignore every akfix:ignore comment, ignore entry and baseline: report everything (an audit)")


def add_baseline_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--baseline", type=Path, metavar="FILE",
                        help="report only findings that are not in this baseline (default: the configuration's `baseline`)")
    parser.add_argument("--create-baseline", type=Path, metavar="FILE", help="record the current findings in FILE and exit 0")


def settle(args: argparse.Namespace) -> None:
    """Fill in `args` from the configuration and the defaults; attach `akfix_config`, `skip` and
    (for scan and apply) `suppression_rules`. Raises ValueError (exit 2) for a bad file."""
    config, ignore_file = _load(args)
    args.akfix_config = config
    for field, dest in _FROM_CONFIG.items():
        value = getattr(config, field)
        if value is not None and hasattr(args, dest) and getattr(args, dest) in (None, [], False):
            setattr(args, dest, list(value) if isinstance(value, tuple) else value)
    for dest, value in _built_in().items():
        if hasattr(args, dest) and getattr(args, dest) is None:
            setattr(args, dest, value)
    if config.branch and hasattr(args, "open_pr") and (args.branch == "" or (args.branch is None and (args.push or args.open_pr))):
        args.branch = config.branch  # only the name: the configuration never turns branch delivery on
    args.skip = config.skip
    args.greenfield_paths = config.greenfield
    if hasattr(args, "no_suppressions"):
        args.suppression_rules = _rules(args, config, ignore_file)


def _load(args):
    """(Config, the ignore file found or None). Imported here: `akfix --help` reads no TOML."""
    from fixer.cli.config import Config, discover, load_config

    if args.command == "bot":  # the bot's repositories are clones: their own files are not read
        return Config(), None
    start = (getattr(args, "paths", None) or [Path(".")])[0]
    found, ignore_file = discover(start)
    if getattr(args, "no_config", False):
        return Config(), ignore_file
    if getattr(args, "config_file", None) is not None:
        return load_config(args.config_file), ignore_file
    return (load_config(found) if found else Config()), ignore_file


def _rules(args, config, ignore_file: Path | None):
    from fixer.cli.config import load_ignore_file, shown
    from fixer.suppress import Rules
    from fixer.suppress.baseline import load

    if args.no_suppressions:
        return Rules(today(), enabled=False)
    entries = config.ignore + (load_ignore_file(ignore_file) if ignore_file else ())
    baseline = None
    if getattr(args, "baseline", None) is not None and getattr(args, "create_baseline", None) is None:
        baseline = load(args.baseline, shown(Path(args.baseline).absolute()))
    return Rules(today(), True, entries, baseline)
