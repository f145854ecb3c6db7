"""Fault injection: whatever goes wrong while akfix writes, every file ends either exactly as it
was or exactly as the fix meant it, the failure is named with its file and cause, exit code 2,
and the rest of the run is done."""

from __future__ import annotations

import errno
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from fixer import discover
from fixer.cli import commands, main
from fixer.edit import write as deliver
from fixer.edit.lock import repository_lock

FIXTURES = Path(__file__).parent / "fixtures" / "terraform"
TWO_FILE_FIX = "var-default-validation-extended"  # main.tf and variables.tf change together
ONE_FILE_FIX = "block-without-policy-4x"


def make_repo(tmp_path: Path) -> Path:
    """a/: a fix spanning two files; b/: a fix in one file. Independent of each other."""
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / TWO_FILE_FIX / "input", repo / "a")
    shutil.copytree(FIXTURES / ONE_FILE_FIX / "input", repo / "b")
    return repo


def expected(case: str, name: str) -> bytes:
    return (FIXTURES / case / "expected" / name).read_bytes()


def original(case: str, name: str) -> bytes:
    return (FIXTURES / case / "input" / name).read_bytes()


def apply(repo: Path, *extra: str) -> int:
    return main(["apply", str(repo), "--no-bases", *extra])


def fail_for(name: str, error: OSError):
    """A stage() that fails like the disk would for one file."""
    real = deliver.stage

    def stage(path, data):
        if Path(path).name == name and Path(path).parent.name == "a":
            raise error
        return real(path, data)

    return stage


def test_disk_full_mid_run_keeps_the_whole_fix_out_and_writes_the_rest(tmp_path, monkeypatch, capsys):
    repo = make_repo(tmp_path)
    monkeypatch.setattr(deliver, "stage", fail_for("variables.tf", OSError(errno.ENOSPC, "No space left on device")))

    assert apply(repo) == 2

    err = capsys.readouterr().err
    assert "a/variables.tf:1: cannot write: No space left on device; the original is intact" in err
    assert "a/main.tf:1: not written: part of one fix with a/variables.tf" in err
    assert (repo / "a" / "main.tf").read_bytes() == original(TWO_FILE_FIX, "main.tf")  # not half a fix
    assert (repo / "a" / "variables.tf").read_bytes() == original(TWO_FILE_FIX, "variables.tf")
    assert (repo / "b" / "main.tf").read_bytes() == expected(ONE_FILE_FIX, "main.tf")  # the rest of the run
    assert not list(repo.rglob("*.akfix-tmp"))


def test_a_rename_failing_midway_puts_the_first_file_back(tmp_path, monkeypatch, capsys):
    repo = make_repo(tmp_path)
    real = os.replace

    def replace(src, dst):
        if Path(dst).name == "variables.tf":
            raise OSError(errno.EIO, "Input/output error")
        return real(src, dst)

    monkeypatch.setattr(deliver.os, "replace", replace)
    assert apply(repo) == 2
    err = capsys.readouterr().err
    assert "a/variables.tf:1: cannot write: Input/output error" in err
    assert "a/main.tf:1: restored: part of one fix with a/variables.tf" in err
    assert (repo / "a" / "main.tf").read_bytes() == original(TWO_FILE_FIX, "main.tf")
    assert (repo / "b" / "main.tf").read_bytes() == expected(ONE_FILE_FIX, "main.tf")
    assert not list(repo.rglob("*.akfix-tmp"))


@pytest.mark.parametrize("change", ["edit", "delete"])
def test_a_file_changed_or_deleted_between_scan_and_write_is_never_overwritten(tmp_path, monkeypatch, capsys, change):
    repo = make_repo(tmp_path)
    target = repo / "a" / "variables.tf"
    real = commands._run_all

    def run_all_then_someone_edits(*args, **kwargs):
        results = real(*args, **kwargs)
        if change == "edit":
            target.write_text(target.read_text() + "# edited by a person meanwhile\n")
        else:
            target.unlink()
        return results

    monkeypatch.setattr(commands, "_run_all", run_all_then_someone_edits)
    assert apply(repo) == 2
    err = capsys.readouterr().err
    if change == "edit":
        assert "a/variables.tf:1: changed on disk since it was read; not overwritten" in err
        assert target.read_text().endswith("# edited by a person meanwhile\n")
    else:
        assert "a/variables.tf:1: was deleted since it was read; not recreated" in err
        assert not target.exists()
    assert (repo / "a" / "main.tf").read_bytes() == original(TWO_FILE_FIX, "main.tf")
    assert (repo / "b" / "main.tf").read_bytes() == expected(ONE_FILE_FIX, "main.tf")


def test_permission_denied_is_named(tmp_path, monkeypatch, capsys):
    repo = make_repo(tmp_path)
    monkeypatch.setattr(deliver, "stage", fail_for("main.tf", PermissionError(errno.EACCES, "Permission denied")))
    assert apply(repo) == 2
    assert "a/main.tf:1: cannot write: Permission denied; the original is intact" in capsys.readouterr().err
    assert (repo / "b" / "main.tf").read_bytes() == expected(ONE_FILE_FIX, "main.tf")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="running as root: file permissions do not stop root's writes")
def test_a_read_only_directory_really_refuses(tmp_path, capsys):
    repo = make_repo(tmp_path)
    (repo / "a").chmod(0o555)
    try:
        assert apply(repo) == 2
        assert "a/main.tf:1: cannot write: Permission denied" in capsys.readouterr().err
        assert (repo / "a" / "main.tf").read_bytes() == original(TWO_FILE_FIX, "main.tf")
        assert (repo / "b" / "main.tf").read_bytes() == expected(ONE_FILE_FIX, "main.tf")
    finally:
        (repo / "a").chmod(0o755)


def test_ctrl_c_while_writing_finishes_the_fix_in_hand_and_stops(tmp_path, monkeypatch, capsys):
    repo = make_repo(tmp_path)
    real, calls = deliver.stage, []

    def stage(path, data):
        calls.append(path)
        if len(calls) == 1:
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C lands in the middle of the first fix
        return real(path, data)

    monkeypatch.setattr(deliver, "stage", stage)
    assert apply(repo) == 130
    assert "interrupted" in capsys.readouterr().err
    a = (repo / "a" / "main.tf").read_bytes(), (repo / "a" / "variables.tf").read_bytes()
    b = (repo / "b" / "main.tf").read_bytes()
    assert a == (expected(TWO_FILE_FIX, "main.tf"), expected(TWO_FILE_FIX, "variables.tf"))  # whole
    assert b == original(ONE_FILE_FIX, "main.tf")  # not started
    assert not list(repo.rglob("*.akfix-tmp"))
    assert apply(repo) == 0  # the next run finishes the job
    assert (repo / "b" / "main.tf").read_bytes() == expected(ONE_FILE_FIX, "main.tf")


def test_sigint_at_random_moments_never_leaves_a_partial_file(tmp_path):
    """A real process, a real signal: 300 clusters in 300 folders (about 2 s of work here),
    interrupted at random moments from planning to writing."""
    rng, count, interrupted = random.Random(20261122), 300, 0
    for attempt in range(5):
        repo = tmp_path / f"run{attempt}"
        for i in range(count):
            shutil.copytree(FIXTURES / ONE_FILE_FIX / "input", repo / f"c{i:03}")
        # A shell without job control starts background jobs with SIGINT ignored, and children
        # inherit that (Python then installs no KeyboardInterrupt handler): give akfix the default.
        process = subprocess.Popen([sys.executable, "-m", "fixer", "apply", str(repo), "--no-bases", "-q"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        time.sleep(rng.uniform(0.3, 2.0))
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=120)
        # On a loaded machine the signal can land while Python itself starts, before akfix's code
        # runs: Python then dies of it (-2) having touched nothing. Any later moment is akfix's to handle.
        before_akfix = process.returncode == -signal.SIGINT and b"/fixer/" not in err
        assert process.returncode in (0, 130) or before_akfix, err
        interrupted += process.returncode == 130
        states = {(repo / f"c{i:03}" / "main.tf").read_bytes() for i in range(count)}
        assert states <= {original(ONE_FILE_FIX, "main.tf"), expected(ONE_FILE_FIX, "main.tf")}
        assert not list(repo.rglob("*.akfix-tmp"))
    assert interrupted, "no run was interrupted: the signal came too late to test anything"


def test_a_second_run_waits_for_the_first_then_plans_from_its_result(tmp_path, capsys):
    repo = make_repo(tmp_path)
    with repository_lock(repo, 0):
        assert apply(repo, "--lock-timeout", "0.3") == 2
        assert "another akfix run (pid " in capsys.readouterr().err
        assert (repo / "b" / "main.tf").read_bytes() == original(ONE_FILE_FIX, "main.tf")

    held = threading.Event()

    def hold_briefly():
        with repository_lock(repo, 0):
            held.set()
            time.sleep(0.5)

    holder = threading.Thread(target=hold_briefly)
    holder.start()
    held.wait()
    assert apply(repo, "--lock-timeout", "10") == 0  # waited, then wrote
    holder.join()
    assert "waiting for another akfix run" in capsys.readouterr().err
    assert (repo / "b" / "main.tf").read_bytes() == expected(ONE_FILE_FIX, "main.tf")


def test_two_processes_at_once_do_not_trip_over_each_other(tmp_path):
    repo = tmp_path / "repo"
    for i in range(60):
        shutil.copytree(FIXTURES / ONE_FILE_FIX / "input", repo / f"c{i:02}")
    runs = [subprocess.Popen([sys.executable, "-m", "fixer", "apply", str(repo), "--no-bases", "-q"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=180) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert not any("changed on disk" in err for _, err in outputs)
    assert {(repo / f"c{i:02}" / "main.tf").read_bytes() for i in range(60)} == {expected(ONE_FILE_FIX, "main.tf")}


def test_a_50_mb_file_is_refused_and_the_rest_done(tmp_path, capsys):
    repo = make_repo(tmp_path)
    big = repo / "generated.tf"
    with big.open("wb") as handle:
        handle.write(b'resource "azurerm_kubernetes_cluster" "huge" {\n')
        handle.write(b"# padding\n" * (50 * 1024 * 1024 // 10))
        handle.write(b"}\n")
    assert apply(repo) == 2
    assert "generated.tf:1: file is 50 MiB, over the 16 MiB limit; left untouched" in capsys.readouterr().err
    assert (repo / "b" / "main.tf").read_bytes() == expected(ONE_FILE_FIX, "main.tf")


def test_a_directory_with_100000_entries(tmp_path, capsys):
    repo = make_repo(tmp_path)
    crowd = repo / "crowd"
    crowd.mkdir()
    for i in range(100_000):
        (crowd / f"f{i}.txt").touch()
    started = time.monotonic()
    assert main(["scan", str(repo), "--format", "json"]) == 1
    elapsed = time.monotonic() - started
    assert capsys.readouterr().out.count('"address"') == 2
    assert elapsed < 30, f"scan of 100,000 entries took {elapsed:.1f} s"


def test_an_unreadable_file_is_named_and_the_rest_done(tmp_path, monkeypatch, capsys):
    repo = make_repo(tmp_path)
    unreadable = str(repo / "a" / "main.tf")

    def guarded_open(path, *args, **kwargs):
        if str(path) == unreadable:
            raise PermissionError(errno.EACCES, "Permission denied")
        return open(path, *args, **kwargs)

    monkeypatch.setattr(discover, "open", guarded_open, raising=False)  # what a chmod 000 does to non-root
    assert apply(repo) == 2
    assert "a/main.tf:1: cannot read: Permission denied" in capsys.readouterr().err
    assert (repo / "b" / "main.tf").read_bytes() == expected(ONE_FILE_FIX, "main.tf")


def test_a_handled_interrupt_from_exec_code_still_exits_130(tmp_path):
    """Ctrl-C that lands while a dataclass is built (exec of a string) is handled by akfix, yet
    CPython 3.11 run with -m (as `python -m fixer`) would still kill the process with SIGINT at exit
    (-2); forget_interrupt() stops that."""
    script = ("import sys\nfrom fixer.interrupts import forget_interrupt\ntry:\n    exec('raise KeyboardInterrupt')\n"
              "except KeyboardInterrupt:\n    {}\nsys.exit(130)\n")
    (tmp_path / "quirk.py").write_text(script.format("pass"))
    (tmp_path / "fixed.py").write_text(script.format("forget_interrupt()"))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(Path(__file__).resolve().parents[1])])}
    quirk = subprocess.run([sys.executable, "-m", "quirk"], capture_output=True, env=env)
    fixed = subprocess.run([sys.executable, "-m", "fixed"], capture_output=True, env=env)
    assert fixed.returncode == 130, fixed.stderr
    assert quirk.returncode in (-signal.SIGINT, 130)  # -2 where the interpreter has the quirk
