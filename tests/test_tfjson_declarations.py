"""Declarations in JSON-syntax files (`variables.tf.json`) beside .tf files: akfix does not evaluate
them, and says where they are rather than that nothing declares them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

FIXTURE = Path(__file__).parent / "fixtures" / "terraform" / "json-syntax-variable-named" / "input"


def test_a_variable_declared_in_tf_json_is_named_with_its_file():
    result = subprocess.run([sys.executable, "-m", "fixer", "scan", str(FIXTURE), "--format", "json", "--no-config"],
                            capture_output=True, text=True)
    assert result.returncode in (0, 1), result.stderr
    (cluster,) = json.loads(result.stdout)["clusters"]
    said = " ".join([cluster["fix"]["summary"], *cluster["fix"]["reasons"]])
    assert "declared in variables.tf.json" in said
    assert "not declared in this module" not in said
    assert cluster["fix"]["risk"] == "manual"  # undecided: no engine is guessed
