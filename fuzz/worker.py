"""One fuzzing process: `python -m fuzz.worker TARGET [libFuzzer arguments...]` (run by `python -m
fuzz run`, which restarts it after a crash). Needs atheris.

A failure whose signature (exception type and innermost akfix/fuzz frame) is listed in the file
named by $AKFIX_FUZZ_KNOWN is ignored, so that after a crash the restarted process looks for
different ones instead of finding the same bug again."""

from __future__ import annotations

import os
import re
import sys
import traceback

from fuzz import harness


def signature(exc: BaseException) -> str:
    """What tells one failure from another: the exception type, where akfix raised it (or, for a
    broken invariant, the target's line that checked it), and its message without numbers."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/fixer/" in f.filename] or [f for f in frames if "/fuzz/targets/" in f.filename] or frames
    where = ours[-1]
    path = where.filename
    for part in ("/fixer/", "/fuzz/"):
        if part in path:
            path = part.strip("/") + "/" + path.split(part, 1)[1]
    message = re.sub(r"\d+", "N", (str(exc).splitlines() or [""])[0])[:80]
    return f"{type(exc).__name__} at {path}:{where.lineno}: {message}"


def main() -> None:
    if harness.atheris is None:
        sys.exit("atheris is not installed: python3 -m pip install atheris")
    name = sys.argv[1]
    harness.FUZZING = True
    from fuzz.targets import load, snippets

    check = load(name)  # imports akfix under coverage instrumentation
    known_file = os.environ.get("AKFIX_FUZZ_KNOWN")
    known = set(open(known_file).read().splitlines()) if known_file and os.path.exists(known_file) else set()

    def one_input(data: bytes) -> None:
        try:
            check(data)
        except Exception as exc:
            found = signature(exc)
            if found in known:
                return
            print("AKFIX-TRACEBACK", file=sys.stderr)
            traceback.print_exc(file=sys.stderr)
            print(f"AKFIX-SIGNATURE: {found}", file=sys.stderr, flush=True)
            raise

    seeds = [d for a in sys.argv[2:] if not a.startswith("-") for d in harness.seeds_of(a)]
    harness.atheris.Setup([sys.argv[0]] + sys.argv[2:], one_input,
                          custom_mutator=harness.mutator(snippets(name), seeds[:200]))
    harness.atheris.Fuzz()


if __name__ == "__main__":
    main()
