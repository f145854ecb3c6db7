"""The whole pipeline on one file: main.tf, main.bicep, azuredeploy.json or a Pulumi/CDKTF
__main__.py in a fresh folder.

`fixer.pipeline.run(root, options, verify=True)` must never raise and never write; every Problem
names the file and a line of it; every FileChange is for that file, starts from its bytes,
re-parses (tree-sitter and python-hcl2 / akfix's Bicep tokenizer / json.loads, or jsonspan for
JSON with comments), keeps the BOM and the newline style; and a second run over the result makes
no change and reports no problem the first run did not.

The options come from the input's checksum (engine, assumed network, provider version, switch,
allow-replacement), so a crash reproduces from the file alone; `check_pipeline` takes them
explicitly for regression tests."""

from __future__ import annotations

import json
import re
import tempfile
import zlib
from pathlib import Path

from fuzz.harness import BOM, instrumented
from fuzz.invariants import check_line

with instrumented():
    import fixer.kustomize.namespaces  # noqa: F401  (imported by run(); instrumented here)
    from fixer.formats import jsonspan
    from fixer.edit.edits import newline_consistent
    from fixer.formats.bicep import syntax as bicep_syntax
    from fixer.formats.arm import adapter as arm_adapter  # noqa: F401
    from fixer.formats.bicep import adapter as bicep_adapter  # noqa: F401
    from fixer.formats.terraform import hcl
    from fixer.pipeline import Options, run
    from fixer.textfile import load_text
    from fixer.versions import exactly

FILES = {"terraform": "main.tf", "bicep": "main.bicep", "arm": "azuredeploy.json", "python": "__main__.py"}


def options_for(data: bytes) -> Options:
    bits = zlib.crc32(data)
    return Options(
        engine=("cilium", "calico", "azure")[bits % 3],
        assume_network=(None, "azure", "azure-overlay", "kubenet")[(bits >> 2) % 4],
        allow_replacement=bool(bits >> 4 & 1),
        switch_engines=bool(bits >> 5 & 1),
        azurerm_version=(None, exactly((4, 59, 0), "fuzz"), exactly((3, 117, 0), "fuzz"))[(bits >> 6) % 3],
    )


def check_terraform(data: bytes) -> None:
    check_pipeline(data, "terraform", options_for(data))


def check_bicep(data: bytes) -> None:
    check_pipeline(data, "bicep", options_for(data))


def check_arm(data: bytes) -> None:
    check_pipeline(data, "arm", options_for(data))


def check_python(data: bytes) -> None:
    check_pipeline(data, "python", options_for(data))


def _reparses(fmt: str, before: bytes, after: bytes) -> None:
    body = load_text(after).body
    if fmt == "python":
        import ast

        import libcst

        ast.parse(body)  # Python's own parser
        assert libcst.parse_module(body.decode("utf-8")).code == body.decode("utf-8"), "libcst does not round-trip the result"
    elif fmt == "terraform":
        import hcl2

        assert not hcl.parse(body).root_node.has_error, "the result has an HCL syntax error"
        try:
            hcl2.loads(body.decode("utf-8"))
        except Exception as exc:  # lark raises several types
            raise AssertionError(f"python-hcl2 cannot read the result: {exc}") from exc
    elif fmt == "bicep":
        bicep_syntax.tokenize(body)
    else:
        try:
            json.loads(load_text(before).body.decode("utf-8"))
        except ValueError:
            jsonspan.parse.cache_clear()
            jsonspan.parse(body, lazy=False)  # JSON with comments: every byte read by the span parser
        else:
            json.loads(body.decode("utf-8"))  # strict JSON stays strict JSON


def _messages(problems) -> set[str]:
    return {re.sub(r"\d+", "N", p.message) for p in problems}


def check_pipeline(data: bytes, fmt: str, options: Options) -> None:
    name = FILES[fmt]
    with tempfile.TemporaryDirectory(prefix="akfix-fuzz-") as tmp:
        root = Path(tmp)
        path = root / name
        path.write_bytes(data)
        result = run(root, options, verify=True)
        assert path.read_bytes() == data, "run() wrote the file"
        for problem in result.problems:
            assert problem.file == name, f"problem names {problem.file!r}"
            check_line(problem.line, data, f"problem {problem.message!r}")
            assert problem.message and "Traceback" not in problem.message
        if not result.changes:
            return
        (change,) = result.changes
        assert change.relpath == name and change.before == data and change.path == root / name
        after = change.after
        assert after != data
        _reparses(fmt, data, after)
        assert after.startswith(BOM) == data.startswith(BOM), "BOM added or lost"
        assert not after[len(BOM) if data.startswith(BOM) else 0:].startswith(BOM), "BOM doubled"
        before_text, after_text = load_text(data), load_text(after)
        assert after_text.newline == before_text.newline, "the file's newline style changed"
        assert newline_consistent(data, after, before_text.newline), "newline styles mixed"
        path.write_bytes(after)
        again = run(root, options, verify=True)
        assert not again.changes, "a second run changes the file again"
        new = _messages(again.problems) - _messages(result.problems)
        assert not new, f"the result brings new problems: {sorted(new)}"
