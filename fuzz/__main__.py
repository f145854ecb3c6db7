"""`python -m fuzz COMMAND`: run the fuzz targets for a bounded time, reproduce and minimise
crashes, rebuild the seed corpora. Not part of the test suite (.ci/run never calls it).

    python -m fuzz list
    python -m fuzz run [--seconds 60] [--jobs 2] [--max-len 8192] [TARGET ...]
    python -m fuzz repro TARGET FILE ...           (no atheris needed: prints the traceback)
    python -m fuzz minimize TARGET FILE [--seconds 60]  (no atheris needed: writes FILE.min)
    python -m fuzz seed                            (rebuild fuzz/corpus/ from the fixtures)

`run` keeps the inputs that found new coverage in fuzz/work/TARGET/ and the crashes in
fuzz/crashes/TARGET/ (both ignored by git), each crash beside a .txt with its traceback. After a
crash the target is restarted for the time left, ignoring the failures already seen."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ARTIFACT = re.compile(r"^(crash|timeout|oom|leak|slow-unit)-[0-9a-f]+$")


@dataclass
class Stats:
    name: str
    executions: int = 0
    seconds: float = 0.0
    coverage: str = "?"
    start_coverage: str = ""
    new_units: int = 0
    corpus: int = 0
    crashes: list[tuple[str, str]] = field(default_factory=list)  # (artifact, signature)
    restarts: int = 0

    def line(self) -> str:
        crashes = f"{len(self.crashes)} crash(es)" if self.crashes else "no crashes"
        return (f"{self.name:20} {self.executions:>9} execs  {self.seconds:7.0f} s  cov {self.start_coverage or '?'} -> {self.coverage}"
                f"  corpus {self.corpus} (+{self.new_units})  {crashes}")


def _dirs(name: str) -> tuple[Path, Path, Path]:
    return HERE / "corpus" / name, HERE / "work" / name, HERE / "crashes" / name


def _parse(log: str, stats: Stats) -> None:
    executed = re.findall(r"stat::number_of_executed_units:\s+(\d+)", log)
    if executed:
        stats.executions += int(executed[-1])
    else:  # killed before the final stats: the last status line says how far it got
        runs = re.findall(r"^#(\d+)\s", log, re.M)
        stats.executions += int(runs[-1]) if runs else 0
    stats.new_units += sum(int(n) for n in re.findall(r"stat::new_units_added:\s+(\d+)", log))
    coverage = re.findall(r"cov: (\d+) ft: (\d+)", log)
    if coverage:
        stats.coverage = "{} cov/{} ft".format(*coverage[-1])
    inited = re.search(r"INITED cov: (\d+) ft: (\d+)", log)
    if inited and not stats.start_coverage:
        stats.start_coverage = "{}/{}".format(*inited.groups())


def run_target(name: str, seconds: int, max_len: int, timeout: int, echo) -> Stats:
    seeds, work, crashes = _dirs(name)
    work.mkdir(parents=True, exist_ok=True)
    crashes.mkdir(parents=True, exist_ok=True)
    stats = Stats(name)
    known = tempfile.NamedTemporaryFile("w", prefix=f"akfix-fuzz-{name}-", suffix=".known", delete=False)
    known.close()
    started = time.monotonic()
    deadline = started + seconds
    log_path = HERE / "work" / f"{name}.log"
    with open(log_path, "w"):
        pass
    try:
        while True:
            left = int(deadline - time.monotonic())
            if left < 2 or stats.restarts > 50:
                break
            before = {p.name for p in crashes.iterdir()}
            command = [sys.executable, "-m", "fuzz.worker", name, str(work), str(seeds),
                       f"-max_total_time={left}", f"-artifact_prefix={crashes}/", "-print_final_stats=1",
                       f"-timeout={timeout}", f"-max_len={max_len}", "-rss_limit_mb=3072", "-close_fd_mask=1"]
            env = dict(os.environ, AKFIX_FUZZ_KNOWN=known.name, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
            result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, errors="replace")
            log = result.stderr
            with open(log_path, "a") as handle:
                handle.write(log)
            _parse(log, stats)
            if result.returncode == 0:
                break
            stats.restarts += 1
            found = re.findall(r"AKFIX-SIGNATURE: (.*)", log)
            signature = found[-1] if found else (re.findall(r"ERROR: libFuzzer: ([^\n]*)", log) or ["exited " + str(result.returncode)])[-1]
            new = sorted(p for p in crashes.iterdir() if p.name not in before and ARTIFACT.match(p.name))
            for artifact in new:
                trace = log[log.rfind("AKFIX-TRACEBACK"):] if "AKFIX-TRACEBACK" in log else log[-4000:]
                (crashes / (artifact.name + ".txt")).write_text(f"{signature}\n\n{trace}")
                stats.crashes.append((artifact.name, signature))
                echo(f"[{name}] {artifact.name}: {signature}")
            if not new and not found:
                echo(f"[{name}] worker stopped ({signature}); see {log_path}")
                if "atheris is not installed" in log or result.returncode == 1 and "Traceback" in log and "INITED" not in log:
                    echo(log[-2000:])
                    break
            if found:
                with open(known.name, "a") as handle:
                    handle.write(found[-1] + "\n")
    finally:
        os.unlink(known.name)
    stats.seconds = time.monotonic() - started
    stats.corpus = sum(1 for d in (seeds, work) if d.is_dir() for p in d.iterdir() if p.is_file())
    return stats


def cmd_run(args) -> int:
    from fuzz.targets import TARGETS

    names = args.targets or list(TARGETS)
    unknown = [n for n in names if n not in TARGETS]
    if unknown:
        print(f"unknown target(s): {', '.join(unknown)}; known: {', '.join(TARGETS)}", file=sys.stderr)
        return 2
    lock = threading.Lock()

    def echo(message: str) -> None:
        with lock:
            print(message, flush=True)

    echo(f"fuzzing {', '.join(names)} for {args.seconds} s each, {args.jobs} at a time")
    with ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(lambda n: run_target(n, args.seconds, args.max_len, args.timeout, echo), names))
    print()
    for stats in results:
        print(stats.line())
        for artifact, signature in stats.crashes:
            print(f"    fuzz/crashes/{stats.name}/{artifact}  {signature}")
    return 1 if any(s.crashes for s in results) else 0


def cmd_repro(args) -> int:
    import traceback

    from fuzz.targets import load

    check = load(args.target)
    failed = 0
    for name in args.files:
        try:
            check(Path(name).read_bytes())
        except Exception:
            failed += 1
            print(f"{name}: FAILS")
            traceback.print_exc()
        else:
            print(f"{name}: passes")
    return 1 if failed else 0


def cmd_minimize(args) -> int:
    from fuzz.minimize import minimize
    from fuzz.targets import load

    source = Path(args.file)
    small, wanted = minimize(load(args.target), source.read_bytes(), args.seconds)
    out = source.with_name(source.name + ".min")
    out.write_bytes(small)
    print(f"{wanted}\nminimised to {len(small)} bytes: {out}\n{small!r}")
    return 0


def cmd_seed(args) -> int:
    from fuzz.seeds import build

    for name, count in build().items():
        print(f"{name}: {count} seeds")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fuzz", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="the targets")
    run = sub.add_parser("run", help="fuzz targets for a bounded time")
    run.add_argument("targets", nargs="*")
    run.add_argument("--seconds", type=int, default=60, help="per target (default 60)")
    run.add_argument("--jobs", type=int, default=2, help="targets fuzzed at once (default 2)")
    run.add_argument("--max-len", type=int, default=8192, help="largest input in bytes (default 8192)")
    run.add_argument("--timeout", type=int, default=20, help="seconds one input may take (default 20)")
    repro = sub.add_parser("repro", help="run a target on files, without atheris")
    repro.add_argument("target")
    repro.add_argument("files", nargs="+")
    minimize = sub.add_parser("minimize", help="shrink a failing input (same failure), without atheris")
    minimize.add_argument("target")
    minimize.add_argument("file")
    minimize.add_argument("--seconds", type=int, default=60)
    sub.add_parser("seed", help="rebuild fuzz/corpus/ from the test fixtures and examples")
    args = parser.parse_args(argv)
    if args.command == "list":
        from fuzz.targets import TARGETS

        for name, (module, function, fmt) in TARGETS.items():
            print(f"{name:20} {module}.{function}  ({fmt})")
        return 0
    return {"run": cmd_run, "repro": cmd_repro, "minimize": cmd_minimize, "seed": cmd_seed}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
