#!/usr/bin/env python3
"""Benchmark `akfix bases --flows` on a day of synthetic Hubble flows (not a test: run it by hand).

    python3 benchmarks/bench_flows.py                  # 1,000,000 flow lines
    python3 benchmarks/bench_flows.py --lines 200000 --gzip

Writes, in a temporary directory, a repository with 8 namespaces and a flow export in the shape of
`hubble observe -o jsonpb` (about 1.3 kB a line, like real exports): 60 workloads, requests and
their replies, drops, kubelet probes, DNS and traffic to the outside world. Then runs `akfix bases
REPO --flows FILE` as a cold process and reports the wall time and the peak memory (maximum
resident set size of the child). Targets (issue 19): < 20 s and < 300 MB for 1,000,000 lines.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
NAMESPACES = ["shop", "orders", "payments", "catalog", "search", "users", "frontend", "batch"]


def endpoint(namespace: str, app: str, identity: int) -> str:
    labels = [f"k8s:app={app}", f"k8s:pod-template-hash={identity:x}7f9c", "k8s:version=v1",
              f"k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name={namespace}",
              "k8s:io.cilium.k8s.policy.cluster=default", f"k8s:io.cilium.k8s.policy.serviceaccount={app}",
              f"k8s:io.kubernetes.pod.namespace={namespace}"]
    return json.dumps({"ID": identity % 4000, "identity": identity, "namespace": namespace, "labels": labels,
                       "pod_name": f"{app}-{identity:x}7f9c-x2k8q", "workloads": [{"name": app, "kind": "Deployment"}]},
                      separators=(",", ":"))


def generate(path: Path, lines: int, compress: bool, seed: int = 19) -> None:
    rng = random.Random(seed)
    workloads = [(ns, f"svc{i}", 20000 + n) for n, (ns, i) in enumerate((NAMESPACES[k % len(NAMESPACES)], k) for k in range(60))]
    endpoints = [endpoint(*w) for w in workloads]
    coredns = endpoint("kube-system", "coredns", 19999).replace('"k8s:app=coredns"', '"k8s:k8s-app=kube-dns"')
    host = '{"identity":1,"labels":["reserved:host"]}'
    world = '{"identity":2,"labels":["reserved:world"]}'
    pairs = [(rng.randrange(60), rng.randrange(60), rng.choice([80, 443, 3000, 5432, 6379, 8080, 9090])) for _ in range(400)]
    opener = gzip.open if compress else open
    start = 1764496800  # 2025-11-30T10:00:00Z; one day of flows
    with opener(path, "wt") as out:
        for n in range(lines):
            second = start + n * 86400 // lines
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)) + f".{n % 1000000:06d}123Z"
            roll = rng.random()
            s, d, port = pairs[rng.randrange(len(pairs))]
            source, destination, sport, dport, verdict, reply, extra = endpoints[s], endpoints[d], 30000 + n % 30000, port, "FORWARDED", "false", ""
            protocol = "TCP"
            if roll < 0.40:  # the reply of a request
                source, destination, sport, dport, reply = destination, source, port, sport, "true"
            elif roll < 0.45:
                verdict, extra = "DROPPED", ',"drop_reason_desc":"POLICY_DENIED"'
            elif roll < 0.50:
                source, dport = host, 8080
            elif roll < 0.55:
                destination, dport, protocol = coredns, 53, "UDP"
            elif roll < 0.57:
                destination, dport, extra = world, 443, ',"destination_names":["api.example.com"]'
            l4 = f'{{"{protocol}":{{"source_port":{sport},"destination_port":{dport}' + (',"flags":{"SYN":true}}}' if protocol == "TCP" else "}}")
            flow = (f'{{"time":"{stamp}","uuid":"00000000-0000-4000-8000-{n:012d}","verdict":"{verdict}",'
                    f'"ethernet":{{"source":"aa:bb:cc:dd:ee:ff","destination":"ff:ee:dd:cc:bb:aa"}},'
                    f'"IP":{{"source":"10.244.{s}.{d}","destination":"10.244.{d}.{s}","ipVersion":"IPv4"}},"l4":{l4},'
                    f'"source":{source},"destination":{destination},"Type":"L3_L4","node_name":"aks-nodepool1-12345678-vmss00000{n % 3}",'
                    f'"event_type":{{"type":4}},"traffic_direction":"EGRESS","trace_observation_point":"TO_STACK","is_reply":{reply},'
                    f'"interface":{{"index":12,"name":"lxc1234"}},"Summary":"TCP Flags: SYN"{extra}}}')
            out.write(f'{{"flow":{flow},"node_name":"aks-nodepool1-12345678-vmss00000{n % 3}","time":"{stamp}"}}\n')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--gzip", action="store_true", help="gzip the export (read by its magic bytes)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="akfix-bench-flows-") as scratch:
        root = Path(scratch) / "repo"
        (root / "apps").mkdir(parents=True)
        (root / "apps" / "namespaces.yaml").write_text("".join(f"---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {n}\n" for n in NAMESPACES))
        flows = Path(scratch) / ("flows.jsonl.gz" if args.gzip else "flows.jsonl")
        began = time.perf_counter()
        generate(flows, args.lines, args.gzip)
        size = flows.stat().st_size
        print(f"generated {args.lines:,} lines, {size / 1e6:.0f} MB{' gzip' if args.gzip else ''}, in {time.perf_counter() - began:.1f} s")
        env = {**os.environ, "PYTHONPATH": str(HERE.parent) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        began = time.perf_counter()
        run = subprocess.run([sys.executable, "-m", "fixer", "bases", str(root), "--flows", str(flows)], capture_output=True, text=True, env=env)
        elapsed = time.perf_counter() - began
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
        print(run.stdout.strip())
        if run.returncode != 0:
            print(run.stderr.strip()[:2000], file=sys.stderr)
        print(f"akfix bases --flows: {elapsed:.1f} s, peak {peak:.0f} MB, {args.lines / elapsed:,.0f} lines/s, {size / 1e6 / elapsed:.0f} MB/s, exit {run.returncode}")
        return run.returncode


if __name__ == "__main__":
    raise SystemExit(main())
