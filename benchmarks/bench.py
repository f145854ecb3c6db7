#!/usr/bin/env python3
"""Benchmark akfix against `grep -rl` on a synthetic monorepo (not a test: run it by hand).

    python3 benchmarks/bench.py                # 20,000 files
    python3 benchmarks/bench.py --files 50000 --curve 1000,5000,20000,50000

The tree is generated deterministically (seeded) under .akfix-bench/ (git-ignored): Terraform
modules (a few hundred AKS clusters in every status, node pools, lock files), unrelated Terraform,
YAML, JSON, Python and text files. Each command runs as a cold process, as a user would run it.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_DIR = HERE.parent / ".akfix-bench"

PROFILES = [
    '  network_profile {\n    network_plugin      = "azure"\n    network_plugin_mode = "overlay"\n  }\n',
    '  network_profile {\n    network_plugin = "azure"\n    network_policy = ""\n  }\n',
    '  network_profile {\n    network_plugin = "azure"\n    network_policy = "calico"\n  }\n',
    '  network_profile {\n    network_plugin = "kubenet"\n  }\n',
    '  network_profile {\n    network_plugin = "azure"\n    network_policy = var.network_policy\n  }\n',
    "",
]


def cluster_tf(rng: random.Random, index: int) -> str:
    profile = rng.choice(PROFILES)
    return (
        f'resource "azurerm_kubernetes_cluster" "c{index}" {{\n'
        f'  name                = "aks-{index}"\n'
        '  location            = "westeurope"\n'
        '  resource_group_name = "rg"\n'
        f'  dns_prefix          = "aks{index}"\n\n'
        "  default_node_pool {\n"
        '    name       = "system"\n'
        "    node_count = 2\n"
        '    vm_size    = "Standard_D4s_v5"\n'
        "  }\n\n"
        "  identity {\n"
        '    type = "SystemAssigned"\n'
        "  }\n"
        + ("\n" + profile if profile else "")
        + "}\n"
    )


def unrelated_tf(rng: random.Random, index: int) -> str:
    body = "".join(
        f'resource "azurerm_storage_account" "s{index}_{k}" {{\n  name                     = "st{index}x{k}"\n'
        '  account_tier             = "Standard"\n  account_replication_type = "LRS"\n}\n\n'
        for k in range(rng.randint(1, 6))
    )
    return body


def generate(root: Path, files: int, clusters: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    cluster_slots = set(rng.sample(range(files), min(clusters, files)))
    lock = 'provider "registry.terraform.io/hashicorp/azurerm" {\n  version = "%s"\n}\n'
    for i in range(files):
        folder = root / f"team{i % 97:02d}" / f"svc{i % 1009:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        kind = i % 10
        if i in cluster_slots:
            (folder / f"aks{i}.tf").write_text(cluster_tf(rng, i))
            (folder / ".terraform.lock.hcl").write_text(lock % rng.choice(["3.117.0", "4.40.0", "4.59.0", "5.1.0"]))
        elif kind < 5:
            (folder / f"main{i}.tf").write_text(unrelated_tf(rng, i))
        elif kind < 7:
            (folder / f"deploy{i}.yaml").write_text(f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app{i}\n  namespace: ns{i % 50}\n")
        elif kind < 8:
            (folder / f"tpl{i}.json").write_text('{"$schema": "x", "resources": [{"type": "Microsoft.Storage/storageAccounts"}]}\n')
        elif kind < 9:
            (folder / f"app{i}.py").write_text(f"def handler{i}(event):\n    return {{'ok': True}}\n")
        else:
            (folder / f"README{i}.md").write_text(f"# service {i}\n\nNothing to see.\n")


def timed(cmd: list[str], cwd: Path) -> tuple[float, int, int]:
    """(seconds, exit code, peak RSS in KiB of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, proc.returncode, max(peak, before)


def tree_size(root: Path) -> tuple[int, int]:
    count = size = 0
    for directory, _, names in os.walk(root):
        for name in names:
            count += 1
            size += os.path.getsize(os.path.join(directory, name))
    return count, size


def measure(root: Path, akfix: list[str]) -> dict:
    count, size = tree_size(root)
    grep, _, _ = timed(["grep", "-rl", "-e", "azurerm_kubernetes_cluster", "-e", "managedClusters", "."], root)
    scan, scan_code, scan_rss = timed(akfix + ["scan", ".", "--format", "json"], root)
    dry, dry_code, dry_rss = timed(akfix + ["apply", ".", "--dry-run"], root)
    return {
        "files": count,
        "mb": size / 1e6,
        "grep_s": grep,
        "scan_s": scan,
        "scan_exit": scan_code,
        "dry_s": dry,
        "dry_exit": dry_code,
        "scan_ratio": scan / grep if grep else float("inf"),
        "dry_over_scan": dry / scan if scan else float("inf"),
        "files_per_s": count / scan,
        "mb_per_s": size / 1e6 / scan,
        "peak_mb": max(scan_rss, dry_rss) / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=20000)
    parser.add_argument("--clusters", type=int, default=300)
    parser.add_argument("--curve", help="comma-separated file counts to show how cost grows")
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    args = parser.parse_args()
    akfix = [sys.executable, "-m", "fixer"]
    sizes = [int(n) for n in args.curve.split(",")] if args.curve else [args.files]
    print(f"{'files':>7} {'MB':>6} {'grep s':>7} {'scan s':>7} {'x grep':>7} {'dry s':>7} {'dry/scan':>8} {'files/s':>8} {'MB/s':>6} {'peak MB':>8}")
    for n in sizes:
        clusters = max(1, args.clusters * n // args.files)
        generate(args.dir, n, clusters)
        r = measure(args.dir, akfix)
        print(
            f"{r['files']:>7} {r['mb']:>6.1f} {r['grep_s']:>7.3f} {r['scan_s']:>7.2f} {r['scan_ratio']:>7.1f} "
            f"{r['dry_s']:>7.2f} {r['dry_over_scan']:>8.2f} {r['files_per_s']:>8.0f} {r['mb_per_s']:>6.1f} {r['peak_mb']:>8.0f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
