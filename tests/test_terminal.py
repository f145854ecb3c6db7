"""A person at a terminal: colour only where it helps (NO_COLOR, FORCE_COLOR, --color), a progress
bar only on a terminal for big runs, and `--help` that stays light."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys

import pytest
from reporting import examples, make_tree  # noqa: F401 (examples: a fixture)

from fixer.report.progress import SHOW_FILES, _Lazy, for_terminal
from fixer.report.style import Style, wants_color

ESC = "\x1b["


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(TERM="xterm-256color", **extra)
    return env


def akfix(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fixer", *args], capture_output=True, text=True, env=_env(**env), timeout=120)


def test_pipes_get_no_escape_codes(examples):
    dry = akfix("apply", "--dry-run", str(examples))
    check = akfix("check", str(examples))
    assert dry.returncode == 1 and check.returncode == 1
    for text in (dry.stdout, dry.stderr, check.stdout, check.stderr):
        assert ESC not in text and "\r" not in text


def test_force_color_colours_the_diff_and_the_summary(examples):
    dry = akfix("apply", "--dry-run", str(examples), FORCE_COLOR="1")
    assert "\x1b[32m+    network_policy      = \"cilium\"\x1b[0m" in dry.stdout  # an added line, green
    assert "\x1b[31m-network_policy      = \"none\"\x1b[0m" in dry.stdout  # a removed line, red
    assert "\x1b[1;33m!! 7 of them reimage every node pool" in dry.stderr
    assert "9 clusters: \x1b[31m4 missing\x1b[0m, \x1b[31m5 none\x1b[0m" in dry.stderr


@pytest.mark.parametrize("flags, env, coloured", [
    ([], {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),  # NO_COLOR wins over FORCE_COLOR
    (["--color", "always"], {"NO_COLOR": "1"}, True),  # the flag wins over both
    (["--color", "never"], {"FORCE_COLOR": "1"}, False),
    ([], {"FORCE_COLOR": "1", "NO_COLOR": ""}, True),  # an empty NO_COLOR does not count
])
def test_color_choice(examples, flags, env, coloured):
    check = akfix("check", str(examples), *flags, **env)
    assert (ESC in check.stdout) is coloured
    if coloured:
        assert check.stdout.splitlines()[-1].startswith("\x1b[1;31mFAILED\x1b[0m:")


def _on_a_terminal(args: list[str], **env: str) -> tuple[int, str, str]:
    """Run akfix with stdout and stderr on a pseudo-terminal of their own."""
    out_master, out_slave = pty.openpty()
    err_master, err_slave = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "fixer", *args], stdout=out_slave, stderr=err_slave, env=_env(**env))
    os.close(out_slave)
    os.close(err_slave)
    streams = {out_master: b"", err_master: b""}
    for fd in streams:
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the other side closed
                break
            if not chunk:
                break
            streams[fd] += chunk
        os.close(fd)
    code = process.wait(timeout=120)
    return code, streams[out_master].decode(), streams[err_master].decode()


def test_a_terminal_gets_colour_unless_no_color(examples):
    code, out, _ = _on_a_terminal(["check", str(examples)])
    assert code == 1 and "\x1b[1;31mFAILED" in out
    code, out, err = _on_a_terminal(["check", str(examples)], NO_COLOR="1")
    assert code == 1 and ESC not in out and out.strip().splitlines()[-1].startswith("FAILED:")
    assert ESC not in err  # a small tree: no progress bar either


def test_progress_bar_on_a_terminal_for_a_big_tree_only(tmp_path):
    repo = make_tree(tmp_path / "r", {f"c{i:03}": "cilium" for i in range(SHOW_FILES + 20)}, lock=False)
    code, out, err = _on_a_terminal(["check", str(repo)], NO_COLOR="1")
    assert code == 0
    assert "Terraform: reading" in err and f"{SHOW_FILES + 20}/{SHOW_FILES + 20}" in err
    assert out.strip() == f"PASSED: {SHOW_FILES + 20} clusters, every one runs an allowed engine (cilium, calico, azure)"
    code, _, err = _on_a_terminal(["check", str(repo), "--quiet"])
    assert code == 0 and err == ""
    piped = akfix("check", str(repo))
    assert piped.returncode == 0 and piped.stderr == ""  # not a terminal: no bar


def test_progress_is_none_off_a_terminal_and_when_quiet():
    assert for_terminal(False, stream=io.StringIO()) is None

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    assert for_terminal(True, stream=Terminal()) is None
    assert isinstance(for_terminal(False, stream=Terminal()), _Lazy)


def test_progress_shows_for_big_or_slow_work_only():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    now = [0.0]
    small = _Lazy(Terminal(), color=False, clock=lambda: now[0])
    small("Terraform: reading", 10, 50)
    assert not small.shown and small.stream.getvalue() == ""
    now[0] = 1.5  # the same small stage, but the run has lasted longer than a second
    small("Terraform: parsing", 20, 50)
    assert small.shown
    small.close()
    big = _Lazy(Terminal(), color=False, clock=lambda: 0.0)
    big("Bicep: reading", 0, SHOW_FILES + 1)
    assert big.shown
    big.close()
    assert "Bicep: reading" in big.stream.getvalue() and ESC + "3" not in big.stream.getvalue()  # no colour codes


def test_wants_color_rules():
    class Terminal:
        def isatty(self):
            return True

    assert wants_color("auto", Terminal(), {}) is True
    assert wants_color("auto", Terminal(), {"TERM": "dumb"}) is False
    assert wants_color("auto", Terminal(), {"NO_COLOR": "0"}) is False  # any non-empty value
    assert wants_color("auto", io.StringIO(), {"FORCE_COLOR": "1"}) is True
    assert wants_color("auto", io.StringIO(), {}) is False
    assert Style(False).diff("+a\n") == "+a\n" and Style(True).paint("x", "no-such-role") == "x"


def test_help_imports_no_rich_and_no_report_renderers():
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "fixer", "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    for heavy in ("rich", "jsonschema", "fixer.report.sarif", "fixer.report.junit", "fixer.pipeline", "git"):
        assert heavy not in imported, heavy
