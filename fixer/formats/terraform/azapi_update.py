"""Fixes that set calico through `azapi_update_resource` (plan/policy_update.py): check that the
module and the configuration around it can take the resource, add the changes that go with it
(the azapi requirement, the credentials azapi needs), and make the edits.

A fix that cannot be written whole becomes a person's, saying what stands in the way: a provider
alias on the cluster, a .tf.json file, an azapi requirement below 2.5 anywhere in the deployment,
Terraform 0.12 syntax, or azurerm credentials azapi does not take under the same names.
"""

from __future__ import annotations

import posixpath
from dataclasses import replace
from typing import Callable

from fixer.formats.terraform import policy_update as update
from fixer.formats.terraform.constraints import find_site, floor_edits
from fixer.model import Change, Edit, Fix, Spot
from fixer.plan.changes import manual_fix
from fixer.plan.policy_update import AZAPI_CONSTRAINT_ATTRIBUTE, AZAPI_CONSTRAINT_KIND, AZAPI_FLOOR, POLICY_UPDATE_KIND, is_policy_update

PROVIDER_ATTRIBUTE = "provider.azapi"
PROVIDER_KIND = "azapi-provider"
ROOT_REQUIREMENT_ATTRIBUTE = "required_providers.azapi (root)"
ROOT_REQUIREMENT_KIND = "azapi-root-requirement"

Files = Callable[[object], dict[str, bytes]]  # planned item -> file bodies


def with_policy_updates(planned: list, module_files: Files, deployment_files: Files) -> list:
    """Each planned item whose fix sets calico through azapi gets the changes that go with it, or
    becomes a person's with the reason."""
    return [_completed(item, module_files(item), deployment_files(item)) if _updates(item.fix) else item for item in planned]


def _updates(fix: Fix | None) -> bool:
    return fix is not None and any(is_policy_update(c) for c in fix.changes)


def _completed(item, module: dict[str, bytes], deployment: dict[str, bytes]):
    cluster, fix = item.cluster, item.fix
    why = _refusal(cluster, module, deployment)
    if isinstance(why, str):
        return replace(item, fix=_refused(fix, why))
    (site, constraint), credentials = why
    changes = list(fix.changes)
    if constraint is not None:
        changes.append(Change(AZAPI_CONSTRAINT_ATTRIBUTE, constraint,
                              origin=Spot(site.file, max(site.start, 0), max(site.end, 0), AZAPI_CONSTRAINT_KIND)))
    for relpath, end, names in credentials:
        changes.append(Change(PROVIDER_ATTRIBUTE, f"{', '.join(names)} as provider \"azurerm\" sets them",
                              origin=Spot(relpath, end, end, PROVIDER_KIND)))
        changes += _root_requirement(cluster.module_dir, relpath, deployment)
    return replace(item, fix=replace(fix, changes=tuple(dict.fromkeys(changes))))


def _root_requirement(module_dir: str, relpath: str, deployment: dict[str, bytes]) -> list[Change]:
    """A `provider "azapi"` block written in another folder than the module's (the root that calls
    it) configures the provider that folder's required_providers names `azapi`: without an entry
    there it is hashicorp/azapi, not Azure/azapi, and `terraform init` fails. The entry goes with it
    (`source` and the module's floor) unless the folder declares azapi already."""
    folder = posixpath.dirname(relpath)
    if folder == module_dir:
        return []
    files = {f: b for f, b in deployment.items() if posixpath.dirname(f) == folder and f.endswith(".tf")}
    site = find_site(files, relpath, "azapi")
    if site.kind not in ("entry", "block"):
        return []  # declared there (its version checked by foreign_azapi_pins)
    constraint = f"~> {AZAPI_FLOOR[0]}.{AZAPI_FLOOR[1]}"
    return [Change(ROOT_REQUIREMENT_ATTRIBUTE, constraint, origin=Spot(site.file, max(site.start, 0), max(site.end, 0), ROOT_REQUIREMENT_KIND))]


def _refusal(cluster, module: dict[str, bytes], deployment: dict[str, bytes]):
    """((azapi site, constraint), azurerm blocks whose credentials azapi needs) when the resource can
    be written; else why not."""
    if not cluster.file.endswith(".tf") or cluster.file not in module:
        return f"{cluster.file} is not an HCL .tf file of the module"
    block = update.cluster_block(module[cluster.file], cluster.address.split(".", 1)[1])
    if block is None:
        return f"{cluster.address} is not a top-level block of {cluster.file}"
    alias = update.provider_alias(block)
    if alias is not None:
        return f"the cluster uses provider {alias}: azapi would not reach Azure the same way"
    site = update.azapi_site(module, cluster.file)
    if isinstance(site, str):
        return site
    old = update.terraform_too_old({**module, **deployment})
    if old:
        return old
    pinned = update.foreign_azapi_pins(deployment, module) or update.azapi_1x_code({**module, **deployment})
    if pinned:
        return pinned
    credentials = update.credential_blocks(deployment)
    if isinstance(credentials, str):
        return credentials
    return site, credentials


def _refused(fix: Fix, why: str) -> Fix:
    if fix.otherwise is not None:  # what the planner said without the update: a held replacement, a greenfield refusal
        return replace(fix.otherwise, reasons=fix.otherwise.reasons + (f"Calico through azapi_update_resource cannot be written here: {why}.",))
    return manual_fix(
        "no network_profile block and the live network plugin is unknown; calico through azapi_update_resource cannot be "
        f"written here: {why}",
        "Give akfix the live facts (--inventory, --from-azure, --plan, --assume-network azure|azure-overlay|kubenet) or fix "
        "what stands in the way, then re-run akfix.",
        blocker="live-plugin-unknown",
    )


def policy_update_edits(fix: Fix, cluster, module: dict[str, bytes], body_of: Callable[[str], bytes],
                        newline_of: Callable[[str], bytes]) -> list[tuple[str, Edit]]:
    """(file, edit) pairs of the resource, the azapi requirement and the azapi provider blocks;
    `module`: the module's .tf bodies; `body_of`, `newline_of`: any file's body and newline."""
    out: list[tuple[str, Edit]] = []
    for change in fix.changes:
        kind = change.origin.kind if change.origin is not None else ""
        if is_policy_update(change):
            body = module[cluster.file]
            block = update.cluster_block(body, cluster.address.split(".", 1)[1])
            name = update.update_name(block.labels[1], update.taken_names(module))
            out.append((cluster.file, update.update_edit(body, block, name, change.value, newline_of(cluster.file))))
        elif kind == AZAPI_CONSTRAINT_KIND:
            site = find_site(module, cluster.file, "azapi")
            out += [(site.file, e) for e in floor_edits(module[site.file], site, change.value, newline_of(site.file), "azapi",
                                                        update.AZAPI_SOURCE)]
        elif kind == PROVIDER_KIND:
            spot = change.origin
            out.append((spot.file, update.provider_edit(body_of(spot.file), spot.start, newline_of(spot.file))))
        elif kind == ROOT_REQUIREMENT_KIND:
            file = change.origin.file
            site = find_site({file: body_of(file)}, file, "azapi")
            out += [(file, e) for e in floor_edits(body_of(file), site, change.value, newline_of(file), "azapi", update.AZAPI_SOURCE)]
    return _joined(out)


def _joined(edits: list[tuple[str, Edit]]) -> list[tuple[str, Edit]]:
    """Insertions at one point become one edit, in order: a cluster block that ends the file (no
    final newline) is followed by the update and then by the terraform block that requires azapi."""
    out: list[tuple[str, Edit]] = []
    for relpath, edit in edits:
        same = next((i for i, (p, e) in enumerate(out) if p == relpath and e.start == e.end == edit.start == edit.end), None)
        if same is None:
            out.append((relpath, edit))
        else:
            first = out[same][1]
            out[same] = (relpath, Edit(first.start, first.end, first.text + edit.text))
    return out


def is_companion(change: Change) -> bool:
    """A change this module writes (not a literal at its origin)."""
    return change.origin is not None and change.origin.kind in (POLICY_UPDATE_KIND, AZAPI_CONSTRAINT_KIND, PROVIDER_KIND, ROOT_REQUIREMENT_KIND)
