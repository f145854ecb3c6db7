"""One fuzzing process: `python -m fuzz.worker TARGET [libFuzzer arguments...]` (run by `python -m
fuzz run`, which restarts it after a crash). Needs atheris.

A failure whose signature (exception type and innermost akfix/fuzz frame) is listed in the file
named by $AKFIX_FUZZ_KNOWN is ignored, so that after a crash the restarted process looks for
different ones instead of finding the same bug again."""

from __future__ import annotations

import os
import sys
import traceback

from fuzz import harness


def signature(exc: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/fixer/" in f.filename or "/fuzz/" in f.filename]
    where = frames[-1] if frames else traceback.extract_tb(exc.__traceback__)[-1]
    path = where.filename
    for part in ("/fixer/", "/fuzz/"):
        if part in path:
            path = part.strip("/") + "/" + path.split(part, 1)[1]
    return f"{type(exc).__name__} at {path}:{where.lineno}"


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
