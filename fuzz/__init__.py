"""Coverage-guided fuzz targets for akfix (issue 10), run with atheris by `python -m fuzz run`.

Each target is a plain function `check(data: bytes) -> None` that raises on a crash or a broken
invariant; `targets.TARGETS` names them. They import without atheris, so the default test suite
runs every target over its seed corpus (tests/test_fuzz_targets.py) and they cannot rot.
"""
