"""The GitHub Action's shell steps, run with a stand-in `akfix`: check mode uploads before it fails,
and the bot/scan/apply modes call akfix as before."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

ACTION = Path(__file__).parent.parent / "examples" / "github-action" / "action.yml"

STUB = """#!/usr/bin/env bash
echo "$@" >> "$STUB_LOG"
for arg in "$@"; do
  case "$arg" in sarif=*) echo '{"version": "2.1.0", "runs": []}' > "${arg#sarif=}" ;; text=*) echo "FAILED: stub" > "${arg#text=}" ;; esac
done
echo '{"version": 1}'
exit "${STUB_EXIT:-0}"
"""


@pytest.fixture(scope="module")
def steps():
    return {step.get("id") or step.get("name"): step for step in yaml.safe_load(ACTION.read_text())["runs"]["steps"]}


def _run_step(step: dict, tmp_path: Path, **env: str) -> tuple[int, str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    stub = bin_dir / "akfix"
    stub.write_text(STUB)
    stub.chmod(0o755)
    outputs, log = tmp_path / "github-output", tmp_path / "akfix-calls"
    environment = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "HOME": str(tmp_path), "GITHUB_OUTPUT": str(outputs), "STUB_LOG": str(log),
        "AKFIX_ENGINE": "cilium", "AKFIX_PATH": ".", "AKFIX_SARIF": "akfix.sarif", "AKFIX_STATE": "state.json", "AKFIX_REPOS": "repos.txt",
        "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"), **env,
    }
    result = subprocess.run(["bash", "-c", step["run"]], cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=60)
    calls = log.read_text() if log.exists() else ""
    return result.returncode, calls, outputs.read_text() if outputs.exists() else ""


def test_check_mode_runs_the_gate_and_leaves_failing_to_the_last_step(steps, tmp_path):
    code, calls, outputs = _run_step(steps["run"], tmp_path, AKFIX_COMMAND="check", AKFIX_ALLOWED="cilium,calico", STUB_EXIT="1")
    assert code == 0  # the upload step must still run
    assert calls.split() == ["check", ".", "--engine", "cilium", "--allowed-engines", "cilium,calico", "--format", "json",
                             "--output", "sarif=akfix.sarif", "--output", "text=akfix-check.txt"]
    assert "exit-code=1" in outputs and (tmp_path / "akfix.sarif").exists()
    upload = steps["Upload SARIF to code scanning"]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert "inputs.command == 'check'" in upload["if"]


@pytest.mark.parametrize("exit_code, expected", [("0", 0), ("1", 1), ("2", 2)])
def test_verdict_step_fails_on_findings_and_errors(steps, tmp_path, exit_code, expected):
    code, _, _ = _run_step(steps["akfix check verdict"], tmp_path, AKFIX_EXIT=exit_code)
    assert code == expected


def test_bot_and_scan_modes_are_unchanged(steps, tmp_path):
    code, calls, outputs = _run_step(steps["run"], tmp_path, AKFIX_COMMAND="bot", AKFIX_SHARD="1/4", AKFIX_ARGS="--label security", STUB_EXIT="1")
    assert code == 0  # 1: clusters that need a person remain, not a failure of the action
    assert calls.split() == ["bot", "--repos", "repos.txt", "--engine", "cilium", "--state", "state.json", "--shard", "1/4",
                             "--format", "json", "--label", "security"]
    assert "report<<AKFIX_EOF" in outputs
    code, _, _ = _run_step(steps["run"], tmp_path, AKFIX_COMMAND="scan", STUB_EXIT="2")
    assert code == 2
