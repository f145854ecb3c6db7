"""Terraform files that are symlinks to another file of the tree.

Terraform reads every `.tf` file of a folder, links included, so `v4/main.tf -> ../main.tf` puts
the root's cluster into `v4/` too, where `v4/main_override.tf` may change it. akfix reads the link
as a file of its own folder (the cluster is reported there), but a fix can only write the one file
behind it: that edit lands in every folder reading the file. So it is written only when every
folder reading it plans the very same edit there (then once); otherwise each fix touching the
shared file becomes manual, naming the folders.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, replace

from fixer.plan.changes import manual_fix

# What Terraform reads as part of a module folder (and akfix may edit): .tf, .tf.json, tfvars.
SUFFIXES = (".tf", ".tf.json", ".tfvars", ".tfvars.json")


@dataclass(frozen=True)
class Links:
    """In-tree symlinks among a tree's Terraform files."""

    targets: dict[str, str]  # link relpath -> the relpath of the file it resolves to

    @classmethod
    def of(cls, listing) -> "Links":
        return cls(listing.links(SUFFIXES))

    def real(self, relpath: str) -> str:
        """The file whose bytes `relpath` reads (itself when it is no link)."""
        return self.targets.get(relpath, relpath)

    def readers(self, real: str) -> tuple[str, ...]:
        """Every name under which the tree reads `real`: the file itself and the links to it."""
        return (real, *sorted(link for link, target in self.targets.items() if target == real))

    def folders(self, real: str) -> tuple[str, ...]:
        return tuple(sorted({posixpath.dirname(r) for r in self.readers(real)}))


def _show(folder: str) -> str:
    return f"{folder}/" if folder else "the root folder"


def guard_linked_files(links: Links, planned: list, edits_of) -> list:
    """Demote every fix that would edit a linked file unless every folder reading that file plans
    the identical edit of it (same bytes at the same place, same risk). `edits_of(item)` gives the
    (relpath, Edit) pairs of a fix, or raises when it cannot be edited (the edit stage reports it).
    Repeated until stable: a demoted fix may leave another folder's edit unmatched."""
    if not links.targets:
        return planned
    shared = set(links.targets.values())
    while True:
        wanted: dict[str, dict[str, set]] = {}  # shared file -> folder -> {(start, end, text, risk)}
        touching: dict[str, set[int]] = {}  # shared file -> indexes of the fixes editing it
        for index, item in enumerate(planned):
            if not (item.fix and item.fix.writable(True)):
                continue
            try:
                edits = edits_of(item)
            except ValueError:
                continue
            for relpath, edit in edits:
                real = links.real(relpath)
                if real not in shared:
                    continue
                folders = wanted.setdefault(real, {})
                folders.setdefault(posixpath.dirname(relpath), set()).add((edit.start, edit.end, edit.text, item.fix.risk))
                touching.setdefault(real, set()).add(index)
        conflicts: dict[int, list[str]] = {}
        for real, by_folder in wanted.items():
            readers = links.folders(real)
            plans = [frozenset(by_folder.get(folder, ())) for folder in readers]
            if len(set(plans)) == 1:
                continue
            reason = _reason(real, readers, by_folder)
            for index in touching[real]:
                conflicts.setdefault(index, []).append(reason)
        if not conflicts:
            return planned
        planned = [
            replace(item, fix=linked_conflict(item.fix, conflicts[index])) if index in conflicts else item
            for index, item in enumerate(planned)
        ]


def _reason(real: str, readers: tuple[str, ...], by_folder: dict[str, set]) -> str:
    parts = []
    idle = [f for f in readers if not by_folder.get(f)]
    if idle:
        parts.append(f"{_join(idle)} {'plans' if len(idle) == 1 else 'plan'} no change there")
    busy = [f for f in readers if by_folder.get(f)]
    if len({frozenset(by_folder[f]) for f in busy}) > 1:
        parts.append(f"{_join(busy)} plan different changes there")
    return f"{real} is read by {_join(readers)} (through a symlink); {'; '.join(parts)}"


def _join(folders) -> str:
    names = [_show(f) for f in folders]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def linked_conflict(fix, reasons: list[str]):
    """A fix whose edit lands in a file that other folders read through a symlink, and that those
    folders would not make the same way."""
    return manual_fix(
        f"{fix.summary} -- but {'; '.join(sorted(set(reasons)))}",
        "Editing the shared file would change the other folder too. Fix it by hand: set the value in a file "
        "only this folder reads (an *_override.tf beside the link), or make both folders agree.",
        *fix.reasons,
    )
