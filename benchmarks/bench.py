#!/usr/bin/env python3
"""Benchmark akfix against `grep -rl` on a synthetic monorepo (not a test: run it by hand).

    python3 benchmarks/bench.py                # 20,000 files
    python3 benchmarks/bench.py --files 50000 --curve 1000,5000,20000,50000

The tree is generated deterministically (seeded) under .akfix-bench/ (git-ignored): a few hundred
AKS clusters in every status spread over Terraform (with lock files), Bicep, ARM JSON and Pulumi
Python, among unrelated Terraform, Bicep, ARM templates, Kubernetes YAML (namespaces), Python and
text files. Each command runs as a cold process, as a user would run it.

    python3 benchmarks/bench.py --checkov            # also time Checkov (CKV_AZURE_7) when installed
    python3 benchmarks/bench.py --bot 20             # bot throughput over 20 local repositories
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


BICEP_PROFILES = [
    "    networkProfile: {\n      networkPlugin: 'azure'\n      networkPluginMode: 'overlay'\n    }\n",
    "    networkProfile: {\n      networkPlugin: 'azure'\n      networkPolicy: 'none'\n    }\n",
    "    networkProfile: {\n      networkPlugin: 'azure'\n      networkPolicy: 'cilium'\n      networkDataplane: 'cilium'\n    }\n",
    "",
]


def cluster_bicep(rng: random.Random, index: int) -> str:
    return (
        f"param location string = resourceGroup().location\n\n"
        f"resource aks{index} 'Microsoft.ContainerService/managedClusters@2024-05-01' = {{\n"
        f"  name: 'aks-{index}'\n  location: location\n  identity: {{\n    type: 'SystemAssigned'\n  }}\n"
        f"  properties: {{\n    dnsPrefix: 'aks{index}'\n    agentPoolProfiles: [\n      {{\n        name: 'system'\n"
        f"        count: 2\n        vmSize: 'Standard_D4s_v5'\n        mode: 'System'\n      }}\n    ]\n"
        + rng.choice(BICEP_PROFILES) + "  }\n}\n"
    )


def cluster_arm(rng: random.Random, index: int) -> str:
    profile = rng.choice(['{"networkPlugin": "azure"}', '{"networkPlugin": "azure", "networkPolicy": "calico"}',
                          '{"networkPlugin": "azure", "networkPluginMode": "overlay", "networkPolicy": "cilium", "networkDataplane": "cilium"}'])
    return (
        '{\n  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",\n'
        '  "contentVersion": "1.0.0.0",\n  "resources": [\n    {\n'
        '      "type": "Microsoft.ContainerService/managedClusters",\n      "apiVersion": "2024-05-01",\n'
        f'      "name": "aks-{index}",\n      "location": "westeurope",\n'
        '      "properties": {\n        "dnsPrefix": "arm",\n'
        '        "agentPoolProfiles": [{"name": "system", "count": 2, "vmSize": "Standard_D4s_v5", "mode": "System"}],\n'
        f'        "networkProfile": {profile}\n      }}\n    }}\n  ]\n}}\n'
    )


def cluster_pulumi(rng: random.Random, index: int) -> str:
    policy = rng.choice(["", '        network_policy="calico",\n', '        network_policy=containerservice.NetworkPolicy.CILIUM,\n        network_dataplane="cilium",\n'])
    return (
        "import pulumi_azure_native as azure_native\nfrom pulumi_azure_native import containerservice\n\n"
        f"cluster = containerservice.ManagedCluster(\n    \"aks{index}\",\n    resource_group_name=\"rg\",\n"
        "    dns_prefix=\"aks\",\n    agent_pool_profiles=[containerservice.ManagedClusterAgentPoolProfileArgs(\n"
        "        name=\"system\", count=2, vm_size=\"Standard_D4s_v5\", mode=\"System\")],\n"
        "    network_profile=containerservice.ContainerServiceNetworkProfileArgs(\n"
        "        network_plugin=\"azure\",\n" + policy + "    ),\n)\n"
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
            flavour = rng.random()
            if flavour < 0.55:
                (folder / f"aks{i}.tf").write_text(cluster_tf(rng, i))
                (folder / ".terraform.lock.hcl").write_text(lock % rng.choice(["3.117.0", "4.40.0", "4.59.0", "5.1.0"]))
            elif flavour < 0.75:
                (folder / f"aks{i}.bicep").write_text(cluster_bicep(rng, i))
            elif flavour < 0.9:
                (folder / f"aks{i}.json").write_text(cluster_arm(rng, i))
            else:
                (folder / f"__main__{i}.py").write_text(cluster_pulumi(rng, i))
                (folder / "requirements.txt").write_text("pulumi>=3.0.0,<4.0.0\npulumi-azure-native>=2.0.0,<3.0.0\n")
        elif kind < 5:
            (folder / f"main{i}.tf").write_text(unrelated_tf(rng, i))
        elif kind < 6:
            (folder / f"deploy{i}.yaml").write_text(f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app{i}\n  namespace: ns{i % 50}\n")
        elif kind < 7:
            (folder / f"storage{i}.bicep").write_text(f"resource st 'Microsoft.Storage/storageAccounts@2023-01-01' = {{\n  name: 'st{i}'\n  location: 'westeurope'\n  kind: 'StorageV2'\n  sku: {{\n    name: 'Standard_LRS'\n  }}\n}}\n")
        elif kind < 8:
            (folder / f"tpl{i}.json").write_text('{"$schema": "x", "resources": [{"type": "Microsoft.Storage/storageAccounts"}]}\n')
        elif kind < 9:
            (folder / f"app{i}.py").write_text(f"def handler{i}(event):\n    return {{'ok': True}}\n")
        else:
            (folder / f"README{i}.md").write_text(f"# service {i}\n\nNothing to see.\n")


# As an installed package runs: with its bytecode cached (pip compiles it on install). A
# PYTHONDONTWRITEBYTECODE left in the environment would recompile akfix in every process.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(cmd: list[str], cwd: Path) -> tuple[float, int, int]:
    """(seconds, exit code, peak RSS in KiB of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, proc.returncode, max(peak, before)


def tree_size(root: Path) -> tuple[int, int]:
    count = size = 0
    for directory, folders, names in os.walk(root):
        folders[:] = [f for f in folders if f != ".git"]
        for name in names:
            count += 1
            size += os.path.getsize(os.path.join(directory, name))
    return count, size


def best_of(runs: int, cmd: list[str], cwd: Path) -> tuple[float, int, int]:
    """The fastest of `runs` (after one untimed run that warms the page cache for everyone)."""
    timed(cmd, cwd)
    results = [timed(cmd, cwd) for _ in range(runs)]
    return min(r[0] for r in results), results[-1][1], max(r[2] for r in results)


def measure(root: Path, akfix: list[str], runs: int = 2) -> dict:
    count, size = tree_size(root)
    grep, _, _ = best_of(runs, ["grep", "-rl", "--exclude-dir=.git", "-e", "azurerm_kubernetes_cluster", "-e", "managedClusters",
                                "-e", "ManagedCluster", "-e", "KubernetesCluster", "."], root)
    scan, scan_code, scan_rss = best_of(runs, akfix + ["scan", ".", "--format", "json"], root)
    dry, dry_code, dry_rss = best_of(runs, akfix + ["apply", ".", "--dry-run"], root)
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


def checkov_seconds(root: Path) -> float | None:
    """Checkov's time for the same finding (CKV_AZURE_7), when Checkov is installed."""
    exe = shutil.which("checkov")
    if exe is None:
        return None
    seconds, _, _ = timed([exe, "-d", ".", "--check", "CKV_AZURE_7", "--quiet", "--compact", "--skip-download"], root)
    return seconds


def bot_throughput(work: Path, repos: int, akfix: list[str]) -> None:
    """Per-repository cost of `akfix bot` beyond the clone: N local bare repositories with one
    cluster each; the bot clones, fixes, commits and pushes a branch (no pull request)."""
    if work.exists():
        shutil.rmtree(work)
    rng = random.Random(11)
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@x", "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "b@x"}
    urls = []
    for r in range(repos):
        seed, bare = work / "seed" / f"r{r}", work / "remotes" / f"r{r}.git"
        (seed / "infra").mkdir(parents=True)
        (seed / "infra" / "aks.tf").write_text(cluster_tf(random.Random(r), r))
        (seed / "infra" / ".terraform.lock.hcl").write_text('provider "registry.terraform.io/hashicorp/azurerm" {\n  version = "4.59.0"\n}\n')
        for k in range(30):
            (seed / "infra" / f"other{k}.tf").write_text(unrelated_tf(rng, k))
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
        for cmd in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "seed"], ["push", "-q", str(bare), "main"]):
            subprocess.run(["git", *cmd], cwd=seed, check=True, env=env)
        urls.append(str(bare))
    start = time.perf_counter()
    for r, url in enumerate(urls):
        subprocess.run(["git", "clone", "-q", "--depth=1", "--single-branch", "--", url, str(work / "clones" / f"r{r}")], check=True)
    clone = time.perf_counter() - start
    for workers in (1, 2):
        state = work / f"state{workers}.json"
        seconds, code, _ = timed(akfix + ["bot", *urls, "--no-pr", "--workers", str(workers), "--state", str(state),
                                          "--branch", f"akfix/bench-{workers}", "--workdir", str(work)], work)
        print(f"bot: {repos} repositories, {workers} worker(s): {seconds:.2f} s (exit {code}), {repos / seconds:.1f} repos/s; "
              f"clones alone {clone:.2f} s; overhead per repository beyond the clone "
              f"{(seconds - clone / workers) / repos * 1000:.0f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=20000)
    parser.add_argument("--clusters", type=int, default=300)
    parser.add_argument("--curve", help="comma-separated file counts to show how cost grows")
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--checkov", action="store_true", help="also time Checkov's CKV_AZURE_7 on the same tree (when installed)")
    parser.add_argument("--bot", type=int, metavar="N", help="measure bot throughput over N local repositories instead")
    parser.add_argument("--path", type=Path, help="measure an existing tree (e.g. a fetched monorepo) instead of generating one")
    args = parser.parse_args()
    akfix = [sys.executable, "-m", "fixer"]
    subprocess.run(akfix + ["scan", str(HERE / "warmup-does-not-exist")], env=ENV, capture_output=True)  # writes the bytecode once
    subprocess.run([sys.executable, "-c", "import fixer.pipeline, fixer.formats.put, fixer.kustomize, fixer.deliver.remediate, fixer.deliver.bot"],
                   env=ENV, capture_output=True)
    if args.bot:
        bot_throughput(args.dir.with_name(args.dir.name + "-bot"), args.bot, akfix)
        return 0
    sizes = [int(n) for n in args.curve.split(",")] if args.curve else [args.files]
    print(f"{'files':>7} {'MB':>6} {'grep s':>7} {'scan s':>7} {'x grep':>7} {'dry s':>7} {'dry/scan':>8} {'files/s':>8} {'MB/s':>6} {'peak MB':>8}"
          + (f" {'checkov s':>9} {'x akfix':>7}" if args.checkov else ""))
    for n in ([None] if args.path else sizes):
        root = args.path or args.dir
        if n is not None:
            generate(root, n, max(1, args.clusters * n // args.files))
        r = measure(root, akfix)
        line = (f"{r['files']:>7} {r['mb']:>6.1f} {r['grep_s']:>7.3f} {r['scan_s']:>7.2f} {r['scan_ratio']:>7.1f} "
                f"{r['dry_s']:>7.2f} {r['dry_over_scan']:>8.2f} {r['files_per_s']:>8.0f} {r['mb_per_s']:>6.1f} {r['peak_mb']:>8.0f}")
        if args.checkov:
            seconds = checkov_seconds(root)
            line += f" {seconds:>9.1f} {seconds / r['scan_s']:>7.0f}" if seconds is not None else "  (checkov not installed)"
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
