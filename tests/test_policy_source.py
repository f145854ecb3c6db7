"""Where a followed policy value lives (`policy_source` in the JSON report): file and line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from fixer.cli import main

FIXTURES = Path(__file__).parent / "fixtures"


def test_arm_parameters_file_value_reports_its_line(tmp_path, capsys):
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "arm/arm-parameter-files/input", root)
    main(["scan", "--format", "json", str(root)])
    sources = {c["environment"]: c["policy_source"] for c in json.loads(capsys.readouterr().out)["clusters"]}
    dev = sources["azuredeploy.parameters.dev.json"]
    lines = (root / dev["file"]).read_text().splitlines()
    assert '"value"' in lines[dev["line"] - 1]  # the line that sets it (was null: the file's bytes were not at hand)
