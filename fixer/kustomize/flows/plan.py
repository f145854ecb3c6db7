"""The hook `kustomize.generate.plan_bases` calls when flows are given: the observations (observe),
`allow-observed.yaml` per covered namespace (allows), and, once the write plan is known, the replay
that proves it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fixer.kustomize.flows.aggregate import Observed
from fixer.kustomize.flows.allows import Allows, plan_allows
from fixer.kustomize.flows.observe import observe
from fixer.kustomize.flows.read import ReadStats
from fixer.kustomize.flows.replay import Replay, replay
from fixer.kustomize.paths import UnsafePath, inside
from fixer.model import Problem

FILE_NAME = "allow-observed.yaml"


@dataclass(frozen=True)
class Learned:
    files: dict = field(hash=False)  # relative to the bases dir -> rendered bytes
    allows: Allows
    observed: Observed
    stats: ReadStats = field(hash=False)
    problems: tuple[Problem, ...] = ()
    replay: Replay | None = None

    @property
    def namespaces(self) -> set[str]:
        return {n.namespace for n in self.allows.namespaces}


def learn(paths: tuple[str, ...], covered: list[str], system: frozenset[str], engine: str, min_flows: int, render) -> Learned:
    observed, stats, problems = observe(paths)
    allows = plan_allows(observed, frozenset(covered), system, engine, min_flows)
    files = {
        f"namespaces/{n.namespace}/{FILE_NAME}": render(
            "allow-observed.yaml.j2", namespace=n.namespace, policies=n.policies, flows=n.flows, first=n.first, last=n.last)
        for n in allows.namespaces
    }
    return Learned(files, allows, observed, stats, problems)


def prove(learned: Learned, covered: list[str], wanted: dict[str, bytes], kept, root: Path, relbases: str, min_flows: int) -> Learned:
    """Replay against the files as they will be: akfix's new content, a person's kept edits, and
    other files already there. An observed request they would drop is a problem (exit 2)."""
    kept = set(kept)

    def read(relative: str) -> bytes | None:
        if relative in wanted and f"{relbases}/{relative}" not in kept:
            return wanted[relative]
        try:
            path = inside(root, f"{relbases}/{relative}")
        except UnsafePath:
            return None
        return path.read_bytes() if path.is_file() else None

    result = replay(learned.observed, frozenset(covered), read, min_flows, learned.allows.outside)
    problems = list(learned.problems)
    problems += [Problem(f"{relbases}/namespaces", 0, f"replay: {message}") for message in result.problems]
    problems += [Problem(f"{relbases}/namespaces", 0, f"replay: {message}") for message in result.denied]
    return Learned(learned.files, learned.allows, learned.observed, learned.stats, tuple(problems), result)
