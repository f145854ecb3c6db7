"""Golden fixtures, Fixit style: every folder under fixtures/terraform is one case.

    <case>/input/     the tree akfix runs on
    <case>/args       extra `akfix apply` arguments ({root} = the copy of input)
    <case>/expected/  every file that must differ after the run (others must stay byte-identical)
    <case>/expected.json  exit code and, per cluster, status / risk / outcome
    <case>/links      optional: `path -> target` symlinks made in the copy (git may check a
                      committed link out as a plain file: core.symlinks=false); a link must stay a link

Regenerate after a deliberate change with AKFIX_REGEN=1, then review the diff by hand.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shlex
import shutil
from pathlib import Path

import pytest

from fixer.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
FORMATS = ("terraform", "arm", "bicep", "python")
REGEN = os.environ.get("AKFIX_REGEN") == "1"


def _case_names():
    return sorted(f"{fmt}/{p.name}" for fmt in FORMATS for p in (FIXTURES / fmt).iterdir() if (p / "input").is_dir())


def _tree(root: Path) -> dict[str, bytes]:
    """relpath -> bytes; a symlink as `-> target`, so writing through it never counts as changing it."""
    return {
        p.relative_to(root).as_posix(): b"-> " + os.readlink(p).encode() if p.is_symlink() else p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_symlink() or p.is_file()
    }


def _links(case: Path) -> dict[str, str]:
    listed = case / "links"
    lines = listed.read_text().splitlines() if listed.is_file() else []
    return dict(tuple(part.strip() for part in line.split("->")) for line in lines if line.strip())


def _input_tree(case: Path) -> dict[str, bytes]:
    return _tree(case / "input") | {path: b"-> " + target.encode() for path, target in _links(case).items()}


def run_case(case: Path, tmp_path: Path):
    work = tmp_path / "repo"
    shutil.copytree(case / "input", work)
    for path, target in _links(case).items():
        (work / path).symlink_to(target)
    args = shlex.split((case / "args").read_text().replace("{root}", str(work)))
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(["apply", str(work), "--format", "json", "--no-bases", *args])
    document = json.loads(out.getvalue())
    summary = {
        "exit": code,
        "clusters": [
            {
                "address": c["address"],
                "file": c["file"],
                "status": c["status"],
                "risk": c["fix"]["risk"] if c["fix"] else None,
                "outcome": c["outcome"],
                # an --engine preference list: the engine chosen and the ones skipped before it
                **({"engine": c["fix"]["engine"], "skipped": [s["engine"] for s in c["fix"]["skipped"]]}
                   if c["fix"] and c["fix"].get("skipped") else {}),
            }
            for c in document["clusters"]
        ],
        "errors": document["errors"],
    }
    return work, summary


@pytest.mark.parametrize("name", _case_names())
def test_golden(name, tmp_path):
    case = FIXTURES / name
    work, summary = run_case(case, tmp_path)
    before = _input_tree(case)
    after = _tree(work)
    changed = {rel: data for rel, data in after.items() if before.get(rel) != data}
    if REGEN:
        shutil.rmtree(case / "expected", ignore_errors=True)
        for rel, data in changed.items():
            target = case / "expected" / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        (case / "expected.json").write_text(json.dumps(summary, indent=2) + "\n")
    expected_dir = case / "expected"
    expected = _tree(expected_dir) if expected_dir.is_dir() else {}
    assert set(after) == set(before), "akfix created or removed files"
    assert changed.keys() == expected.keys(), "a different set of files changed"
    for rel, data in expected.items():
        assert changed[rel] == data, f"{rel} differs from the golden output"
    assert summary == json.loads((case / "expected.json").read_text())


@pytest.mark.parametrize("name", _case_names())
def test_golden_second_run_changes_nothing(name, tmp_path):
    case = FIXTURES / name
    work, first = run_case(case, tmp_path)
    snapshot = _tree(work)
    args = shlex.split((case / "args").read_text().replace("{root}", str(work)))
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        main(["apply", str(work), "--no-bases", *args])
    assert _tree(work) == snapshot


@pytest.mark.parametrize("name", _case_names())
def test_golden_fmt_clean_inputs_stay_clean(name, tmp_path, terraform_bin):
    from fixer.edit.edits import terraform_fmt

    case = FIXTURES / name
    work, _ = run_case(case, tmp_path)
    for path in sorted((case / "input").rglob("*.tf")):
        rel = path.relative_to(case / "input")
        original = path.read_bytes().lstrip(b"\xef\xbb\xbf").replace(b"\r\n", b"\n")
        if terraform_fmt(original) != original:
            continue  # not fmt-clean before: nothing promised
        edited = (work / rel).read_bytes().lstrip(b"\xef\xbb\xbf").replace(b"\r\n", b"\n")
        assert terraform_fmt(edited) == edited, f"{rel} was fmt-clean and is not any more"
