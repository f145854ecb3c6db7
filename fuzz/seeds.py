"""Build fuzz/corpus/TARGET/ from the repository's own fixtures and examples (`python -m fuzz seed`).

Small files only (the fuzzer mutates faster and deeper from small seeds), deduplicated by content,
named after the fixture they come from. Deterministic: re-running it gives the same corpora."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MAX_BYTES = 3000


def _files(*patterns: str, marker: tuple[bytes, ...] = ()) -> list[Path]:
    found = sorted({p for pattern in patterns for p in ROOT.glob(pattern) if p.is_file()})
    return [p for p in found if p.stat().st_size <= MAX_BYTES and (not marker or any(m in p.read_bytes() for m in marker))]


def _name(path: Path) -> str:
    parts = path.relative_to(ROOT).parts
    if parts[0] == "tests":  # tests/fixtures/<format>/<case>/input/<file>
        return f"{parts[3]}--{'-'.join(parts[5:])}"
    return "example-" + "-".join(parts[1:])


def _spread(paths: list[Path], count: int) -> list[Path]:
    """`count` files spread evenly over a sorted list."""
    if len(paths) <= count:
        return paths
    return [paths[i * len(paths) // count] for i in range(count)]


def corpora() -> dict[str, list[Path]]:
    tf_markers = (b"azurerm_kubernetes_cluster", b"Azure/aks/azurerm", b"avm-res-containerservice", b"managedClusters")
    terraform = _files("tests/fixtures/terraform/*/input/*.tf", "examples/*/*.tf", marker=tf_markers)
    support = _files("tests/fixtures/terraform/*/input/*.tfvars", "tests/fixtures/terraform/*/input/variables.tf")
    bicep = _files("tests/fixtures/bicep/*/input/*.bicep", "examples/*/*.bicep")
    templates = _files("tests/fixtures/arm/*/input/*.json", "examples/*/*.json", marker=(b"deploymentTemplate",))
    json_files = templates + _files("tests/fixtures/arm/*/input/*.parameters*.json", "tests/fixtures/terraform/*/input/*.json")
    python = _files("tests/fixtures/python/*/input/*.py", "tests/fixtures/python/*/input/*/*.py", "examples/*/*.py",
                    marker=(b"ManagedCluster", b"KubernetesCluster"))
    return {
        "pipeline-python": python,
        "terraform-locate": terraform,
        "pipeline-terraform": terraform,
        "bicep-locate": bicep,
        "pipeline-bicep": bicep,
        "arm-jsonspan": json_files,
        "pipeline-arm": templates,
        "edit": _spread(terraform, 12) + _spread(support, 4) + _spread(bicep, 8) + _spread(json_files, 8),
    }


def build() -> dict[str, int]:
    counts = {}
    for target, paths in corpora().items():
        folder = HERE / "corpus" / target
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        seen = set()
        for path in paths:
            data = path.read_bytes()
            digest = hashlib.sha1(data).hexdigest()
            if digest in seen:
                continue
            seen.add(digest)
            (folder / _name(path)).write_bytes(data)
        counts[target] = len(seen)
    return counts
