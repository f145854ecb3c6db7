"""Helpers shared by the CI-gate and report tests: tiny trees, in-process runs, SARIF fix application."""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path
from urllib.parse import unquote

import pytest
from suppress_helpers import LOCK, tf_cluster

from fixer.cli import main

EXAMPLES = Path(__file__).parent.parent / "examples"


@pytest.fixture(scope="module")
def examples(tmp_path_factory):
    """A copy of examples/ per test module (import this fixture into the module)."""
    target = tmp_path_factory.mktemp("examples") / "examples"
    shutil.copytree(EXAMPLES, target)
    return target

def cluster_tf(name: str, policy: str | None) -> str:
    """A cluster whose network_policy is `policy` (None: the attribute is absent); cilium comes
    with its data plane, as a compliant cluster must."""
    text = tf_cluster(name, policy)
    if policy == "cilium":
        text = text.replace('"cilium"\n', '"cilium"\n    network_data_plane  = "cilium"\n', 1)
    return text


def make_tree(root: Path, clusters: dict[str, str | None], lock: bool = True) -> Path:
    """One folder per cluster name, each with main.tf (and a lock file: azurerm 4.59.0)."""
    root.mkdir(parents=True, exist_ok=True)
    for name, policy in clusters.items():
        folder = root / name
        folder.mkdir()
        (folder / "main.tf").write_text(cluster_tf(name, policy))
        if lock:
            (folder / ".terraform.lock.hcl").write_text(LOCK)
    return root


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def sarif_file(document: dict, location: dict) -> Path:
    """The local path of a SARIF artifactLocation."""
    run_ = document["runs"][0]
    if "uriBaseId" in location:
        base = run_["originalUriBaseIds"][location["uriBaseId"]]["uri"]
        return Path(unquote(base.removeprefix("file://"))) / unquote(location["uri"])
    return Path(unquote(location["uri"].removeprefix("file://")))


def sarif_replacements(document: dict) -> dict[Path, set[tuple[int, int, str]]]:
    """Every distinct replacement of every fix, per file: (byteOffset, byteLength, insertedText).
    A replacement that several results carry (views sharing a file) counts once."""
    found: dict[Path, set[tuple[int, int, str]]] = {}
    for result in document["runs"][0]["results"]:
        for fix in result.get("fixes", []):
            for change in fix["artifactChanges"]:
                path = sarif_file(document, change["artifactLocation"])
                for replacement in change["replacements"]:
                    region = replacement["deletedRegion"]
                    found.setdefault(path, set()).add((region["byteOffset"], region["byteLength"], replacement["insertedContent"]["text"]))
    return found


def apply_by_bytes(data: bytes, replacements: set[tuple[int, int, str]]) -> bytes:
    for offset, length, text in sorted(replacements, reverse=True):
        data = data[:offset] + text.encode() + data[offset + length :]
    return data


def apply_by_lines(text: str, regions: list[tuple[dict, str]]) -> str:
    """Apply replacements by their line/column regions alone, counting as SARIF says: lines split
    at \\r\\n or \\n, columns in UTF-16 code units, a BOM not a column. Independent of regions.py."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    text = text[len(bom):]
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]

    def offset(line: int, column: int) -> int:
        start = starts[line - 1]
        units, index = column - 1, start
        while units > 0:
            units -= 2 if ord(text[index]) > 0xFFFF else 1
            index += 1
        return index

    spans = sorted(((offset(r["startLine"], r["startColumn"]), offset(r["endLine"], r["endColumn"]), new) for r, new in regions), reverse=True)
    for start, end, new in dict.fromkeys(spans):
        text = text[:start] + new + text[end:]
    return bom + text
