"""The words of a remediation: commit message, pull-request title and body, from Jinja2 templates
in `templates/pr/`. Pure: reports in, text out."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from fixer import __version__
from fixer.model import FileChange
from fixer.pipeline import ClusterReport, Outcome, engines_written
from fixer.plan.policy_update import is_policy_update

CONTINUED = "\n\n_(continued in the first comment: {sections})_\n"
MAX_POLICY_FILES = 12  # the body shows at most this many generated files in full


@dataclass(frozen=True)
class Remediation:
    """What one branch carries, in the terms people read."""

    engine: str
    fixed: tuple[dict, ...]
    held: tuple[dict, ...]
    policy_files: tuple[dict, ...]  # shown in full (the first MAX_POLICY_FILES)
    namespaces: tuple[str, ...]
    bases_dir: str
    policy_count: int = 0  # every generated file, shown or not
    files: tuple[dict, ...] = ()  # every generated file with its purpose in one line
    existing_policies: tuple[dict, ...] = ()  # policies the repository already has in covered namespaces
    flows: tuple[dict, ...] = ()  # allows learned from Hubble flows (kustomize.flows.summary.pr_section)

    @property
    def context(self) -> dict:
        risks = {c["risk"] for c in self.fixed + self.held}
        paths = [f["path"] for f in self.files]
        # (what, version): azurerm constraints (Terraform) and Python package floors, one line each
        floors = sorted({(c.get("floor_of") or "azurerm", c["floor"]) for c in self.fixed if c.get("floor")},
                        key=lambda f: (f[0], tuple(map(int, f[1].split(".")))))
        phase_one = any(c.get("phase") == 1 for c in self.fixed)
        states = sorted({c["state"] for c in self.fixed if c.get("state")})
        azapi = any(c.get("azapi") for c in self.fixed)
        return {
            "engine": self.engine, "fixed": self.fixed, "held": self.held, "policy_files": self.policy_files,
            "policy_count": self.policy_count, "namespaces": self.namespaces, "bases_dir": self.bases_dir, "risks": risks, "version": __version__,
            "floors": floors, "phase_one": phase_one, "states": states, "azapi": azapi,
            "files": self.files, "existing_policies": self.existing_policies,
            "kyverno": any("/kyverno/" in p for p in paths), "connectivity": any("/connectivity/" in p for p in paths),
            "flows": self.flows,
        }


def describe(engine: str, reports: list[ClusterReport], bases_changes: list[FileChange], namespaces: list[str], bases_dir: str,
             existing_policies=(), flows: tuple[dict, ...] = ()) -> Remediation:
    def entry(report: ClusterReport) -> dict:
        cluster, fix = report.cluster, report.fix
        return {
            "address": cluster.address, "file": cluster.file, "environment": cluster.environment,
            "old": report.policy or ("none" if report.status.value == "none" else "not set"),
            "new": "Azure CNI Overlay (phase 1 of 2)" if fix and fix.phase == 1 else (fix.engine if fix and fix.engine else engine), "risk": fix.risk.value if fix else "",
            "summary": fix.summary if fix else "",
            "floor": ".".join(map(str, fix.floor)) if fix and fix.floor else None,
            "floor_of": fix.floor_of if fix and fix.floor else None,
            "phase": fix.phase if fix else 0,
            # calico set through azapi_update_resource (plan/policy_update.py): the checklist asks for init and a plan
            "azapi": bool(fix) and any(is_policy_update(c) for c in fix.changes),
            # the fix rests on a state file's record of the live cluster (formats/terraform/state.py)
            "state": cluster.live.source if cluster.live is not None and cluster.live.matched_by == "terraform state" else None,
        }

    # The engines actually written (a preference list may write several), else the one asked for.
    engine = " and ".join(engines_written(reports)) or engine
    fixed = tuple(entry(r) for r in reports if r.outcome is Outcome.FIXED)
    held = tuple(entry(r) for r in reports if r.outcome in (Outcome.HELD, Outcome.MANUAL, Outcome.FAILED))
    files = tuple(
        {"path": c.relpath, "text": c.after.decode("utf-8", "replace").rstrip("\n")}
        for c in sorted(bases_changes, key=lambda c: c.relpath)[:MAX_POLICY_FILES]
    )
    from fixer.kustomize.purposes import purpose

    prefix = bases_dir.strip("/") + "/"
    explained = tuple({"path": c.relpath, "purpose": purpose(c.relpath.removeprefix(prefix))} for c in sorted(bases_changes, key=lambda c: c.relpath))
    existing = tuple({"namespace": p.namespace, "kind": p.kind, "name": p.name, "file": p.file, "line": p.line} for p in existing_policies)
    return Remediation(engine, fixed, held, files, tuple(sorted(set(namespaces))), bases_dir, len(bases_changes), explained, existing, tuple(flows))


@lru_cache(maxsize=1)
def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    from fixer.kustomize.generate import templates_dir

    environment = Environment(loader=FileSystemLoader(str(templates_dir().parent)), undefined=StrictUndefined,
                              keep_trailing_newline=True, autoescape=False)
    # A table cell must not end the row or the code span: names come from people's files.
    environment.filters["cell"] = lambda text: str(text).replace("|", "\\|").replace("`", "'").replace("\n", " ")
    return environment


def render(template: str, remediation: Remediation, **extra) -> str:
    return _environment().get_template(f"pr/{template}").render(**remediation.context, **extra)


def title(remediation: Remediation) -> str:
    return render("title.txt.j2", remediation).strip()


def commit_message(remediation: Remediation, base: str, tree: str) -> str:
    return render("commit.txt.j2", remediation, base=base, tree=tree).strip() + "\n"


def body(remediation: Remediation) -> str:
    return render("body.md.j2", remediation)


def split_body(text: str, limit: int | None) -> tuple[str, str | None]:
    """(description, comment): the trailing "## " sections that do not fit under `limit`
    characters go, in order, to one comment, and the description says which. A first section
    longer than the limit is cut at a line boundary."""
    if limit is None or len(text) <= limit:
        return text, None
    head, *rest = text.split("\n## ")
    sections = [head] + ["## " + s for s in rest]
    for keep in range(len(sections) - 1, 0, -1):
        note = CONTINUED.format(sections=", ".join(s.splitlines()[0].removeprefix("## ") for s in sections[keep:]))
        description = "\n".join(sections[:keep]).rstrip("\n") + note
        if len(description) <= limit:
            return description, "\n".join(sections[keep:]).strip() + "\n"
    note = CONTINUED.format(sections="the rest")
    cut = text[: limit - len(note)]
    cut = cut[: cut.rfind("\n") + 1] or cut
    return cut.rstrip("\n") + note, text[len(cut):].strip() + "\n"
