"""The fuzz targets (fuzz/, run with `python -m fuzz run`) over their seed corpora, without atheris:
a target that no longer imports or fails on the repository's own fixtures is caught here, in the
default suite, not on the next fuzzing day."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # fuzz/ is a folder of the repository, not an installed package

from fuzz import harness, snippets  # noqa: E402
from fuzz.targets import TARGETS, load  # noqa: E402


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_target_passes_its_seed_corpus(name):
    check = load(name)
    seeds = sorted((ROOT / "fuzz" / "corpus" / name).iterdir())
    assert len(seeds) >= 5, f"fuzz/corpus/{name} is nearly empty: python -m fuzz seed"
    for seed in seeds:
        check(seed.read_bytes())


def test_targets_import_without_atheris():
    code = ("import sys; sys.modules['atheris'] = None\n"
            "from fuzz.targets import TARGETS, load\n"
            "from fuzz import harness\n"
            "assert harness.atheris is None\n"
            "[load(name) for name in TARGETS]\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_structural_mutations_give_bytes_of_every_kind():
    rng = random.Random(7)
    seeds = [p.read_bytes() for p in sorted((ROOT / "fuzz" / "corpus" / "edit").iterdir())]
    for _ in range(300):
        out = harness.structural(rng.choice(seeds + [b""]), rng, snippets.ALL, seeds)
        assert isinstance(out, bytes)
