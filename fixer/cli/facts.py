"""The live-facts options (--inventory, --from-azure, --subscription) and the LiveFacts they build
(fixer/facts; README "Facts from Azure"). Shared by the commands of main.py and by the bot."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_facts_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("live facts (README: Facts from Azure)")
    group.add_argument("--inventory", action="append", type=Path, default=[], metavar="FILE",
                       help="live clusters: the JSON of `az aks list -o json`, `az aks show -o json` or `az graph query -o json` "
                       "(repeatable; configuration: inventory = [...])")
    group.add_argument("--from-azure", action="store_true",
                       help="read the live clusters from Azure Resource Graph with your Azure login (needs pip install 'akfix[azure]')")
    group.add_argument("--subscription", action="append", default=[], metavar="ID",
                       help="with --from-azure: only this subscription (repeatable; default: every one the login can read)")


def live_facts_of(args):
    """LiveFacts from --inventory files and --from-azure, or None when neither is given."""
    if getattr(args, "subscription", None) and not getattr(args, "from_azure", False):
        raise ValueError("--subscription needs --from-azure")
    if not getattr(args, "inventory", None) and not getattr(args, "from_azure", False):
        return None
    from fixer.facts.inventory import InventoryError, load_inventory
    from fixer.facts.match import LiveFacts

    clusters, warnings = [], []
    for path in args.inventory:
        try:
            inventory = load_inventory(Path(path))
        except InventoryError as exc:
            raise ValueError(f"--inventory {exc}") from None
        clusters.extend(inventory.clusters)
        warnings.extend(inventory.warnings)
    if args.from_azure:
        from fixer.facts import resource_graph

        try:
            inventory = resource_graph.fetch(tuple(args.subscription), endpoint=resource_graph.ENDPOINT)
        except resource_graph.ResourceGraphError as exc:
            raise ValueError(str(exc)) from None
        clusters.extend(inventory.clusters)
        warnings.extend(inventory.warnings)
    for warning in warnings:
        print(f"akfix: warning: {warning}", file=sys.stderr)
    mappings = getattr(getattr(args, "akfix_config", None), "clusters", ())
    return LiveFacts.of(clusters, mappings)
