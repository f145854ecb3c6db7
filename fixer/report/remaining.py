"""What is left for a person, grouped by what stands in the way, each group with the one flag or
fact that would let akfix write those fixes itself (issue 16): a run ends with the shortest path to
more fixes, not with a list to work through."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from fixer.pipeline import ClusterReport, Outcome

# blocker -> (what stands in the way, what unlocks it). Blockers are set where a fix is refused
# (plan/, the formats' adapters); one without an entry here is shown by its own summary.
BLOCKERS: dict[str, tuple[str, str]] = {
    "live-plugin-unknown": (
        "live network plugin unknown",
        "--inventory (az aks list -o json) or --from-azure, --plan (terraform show -json, or pulumi stack export), run where the local "
        "terraform.tfstate or Pulumi checkpoint is, --assume-network azure|azure-overlay|kubenet, or --greenfield for code not deployed",
    ),
    "version-range": (
        "provider version only a range",
        "commit .terraform.lock.hcl or pass --azurerm-version, or narrow the constraint to one major (akfix then raises the floor); "
        "Pulumi/CDKTF: a lock file, or a package range whose upper bound admits the release the fix needs",
    ),
    "version-too-old": (
        "azurerm version the code admits is too old for the fix",
        "raise the pinned version or the constraint's upper bound to the version the cluster's report names, or, where "
        "the code's attributes cap it (it uses what the next major removed), move the code to that major first "
        "(akfix never moves an upper bound or a lock)",
    ),
    "version-conflict": ("azurerm constraints that admit no version (terraform init fails)",
                         "make the constraints agree, then re-run akfix"),
    "kubenet": ("kubenet cannot run the engine", "--migrate-kubenet (two changes), or --greenfield for code not deployed"),
    "windows": ("Windows node pools", ""),
    "module-needs-overlay": ("the module forces overlay with the Cilium data plane (an IPAM move of its own)",
                             "move to overlay (or a pod subnet) in its own change first"),
    "expression": ("value set by an expression akfix cannot resolve", "a literal where the value comes from, or --plan"),
    "no-block-in-run": ("a dynamic network_profile that renders no block in this run",
                        "give that run a network profile (with network_policy) in the value the block iterates over"),
    "kubernetes-version": ("Kubernetes older than 1.30", "upgrade the cluster's Kubernetes version first"),
    "replacement": ("the change would recreate the cluster", "--allow-replacement, or raise the azurerm version so it is in place"),
    "two-steps": ("azure <-> calico needs two steps", "the CLI through policy none, then akfix"),
    "no-way-back": ("no way back from the engine it runs", "keep the engine"),
    "auto-provisioning": ("node auto-provisioning is on", "turn node auto-provisioning off in its own apply first"),
    "lifecycle": ("lifecycle.ignore_changes covers network_profile", "remove network_profile from ignore_changes"),
    "azapi-update": ("calico through azapi_update_resource cannot be written for the module around it",
                     "what the cluster's report names (Terraform >= 1.0 syntax, azapi >= 2.5 across the deployment, no provider "
                     "alias on the cluster), then re-run akfix"),
    "byo-cni": ("bring-your-own CNI", "enforce policies with the CNI you installed"),
    "module-input": ("a module input akfix does not edit yet", "set the module input by hand"),
    "module-version": ("the module release the call names lacks the input or value",
                       "move the call to a release that takes it (akfix never changes a module's version)"),
    "duplicate": ("a resource declared twice in one module (Terraform does not load it)", "remove or rename one declaration"),
    "layout": ("no place in the code akfix can write the fix", "what the cluster's report names (e.g. write a stub's properties out)"),
    "shared-value": ("a value other environments or clusters read too",
                     "route the shared setting through a variable of its own per environment or cluster"),
    "package-too-old": ("the IaC package's API is too old", "upgrade the package"),
    "migration-pending": ("the move to Azure CNI Overlay is not known to be applied",
                          "after the apply or deployment, delete the akfix:phase-1 mark (a comment; in ARM JSON the comments property) "
                          "or give the live state (--plan, --inventory)"),
    "identity": ("the kubenet migration needs a user-assigned identity", "switch the cluster to a user-assigned identity first"),
}

# What an engine preference would unlock, said only where none was given: with --engine
# cilium,calico already asked, a later engine's own blocker is what stands in the way.
# Offered where calico was planned and can be written (Fix.calico_writes), with the blocker's own words
# where it has them.
PREFERENCE: dict[str, str] = {
    "live-plugin-unknown": "--engine cilium,calico (calico needs no plugin: set by a PUT, or through azapi_update_resource for azurerm)",
    "version-range": "--engine cilium,calico (Terraform: calico through azapi_update_resource needs no azurerm floor)",
    "version-too-old": "--engine cilium,calico (Terraform: calico through azapi_update_resource needs no newer azurerm)",
    "kubenet": "--engine cilium,calico (calico runs on kubenet)",
    "windows": "--engine cilium,calico (calico runs beside Windows pools)",
    "module-needs-overlay": "--engine cilium,calico",
    "module-version": "--engine cilium,calico (where the release takes calico)",
}


def unlock_of(blocker: str, preference_tried: bool = False, calico_writes: bool | None = None) -> str | None:
    """The flag or fact that unlocks a blocker; the preference only where it was not tried, and where
    calico was planned (calico_writes not None), only where it can be written."""
    if preference_tried or calico_writes is False:
        offer = ""
    else:
        offer = PREFERENCE.get(blocker, "--engine cilium,calico (calico can be written)" if calico_writes else "")
    if blocker not in BLOCKERS:
        return offer or None
    parts = [offer, BLOCKERS[blocker][1]]  # the one-flag unlock first
    return "; or ".join(p for p in parts if p) or None


# Folders that by convention hold code nobody deploys as it is (a module's examples, quickstart
# templates, test fixtures): where a group could be unlocked by --greenfield and some of its
# clusters sit there, the summary names the glob. A hint only: akfix never assumes it by itself.
TEMPLATE_FOLDERS = frozenset({"examples", "example", "quickstart", "quickstarts", "samples", "sample", "templates", "tests", "test",
                              ".test", "e2e"})  # .test: CARML and AVM Bicep modules keep their test deployments there


@dataclass(frozen=True)
class Group:
    blocker: str
    count: int
    reason: str
    unlock: str | None
    in_templates: int = 0  # clusters of the group under TEMPLATE_FOLDERS (greenfield candidates)
    template_globs: tuple[str, ...] = ()  # e.g. ("**/examples/**",)


def remaining_groups(reports: list[ClusterReport]) -> list[Group]:
    """Clusters whose fix was held back or left to a person, by blocker, largest group first."""
    # (blocker, or "other:" + the summary where no entry says it; each later engine's blocker where an
    # --engine list was tried: grouped by what stands in the way of every engine)
    counts: Counter[tuple[str, tuple[tuple[str, str], ...], bool | None]] = Counter()
    templates: dict[tuple, Counter[str]] = {}
    for report in reports:
        if report.fix is None or report.outcome not in (Outcome.MANUAL, Outcome.HELD):
            continue
        blocker = report.fix.blocker or ("replacement" if report.outcome is Outcome.HELD else "")
        key = (blocker if blocker in BLOCKERS else f"other:{report.fix.summary}", report.fix.later_blockers, report.fix.calico_writes)
        counts[key] += 1
        folder = _template_folder(report)
        if folder:
            templates.setdefault(key, Counter())[folder] += 1
    groups = []
    for key, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        blocker, later, calico_writes = key
        reason, unlock = _said(blocker, later, calico_writes)
        found = templates.get(key, Counter()) if unlock and "--greenfield" in unlock else Counter()
        groups.append(Group(blocker if blocker in BLOCKERS else "other", count, reason, unlock,
                            sum(found.values()), tuple(f"**/{folder}/**" for folder in sorted(found))))
    return groups


def _said(blocker: str, later: tuple[tuple[str, str], ...], calico_writes: bool | None) -> tuple[str, str | None]:
    """The group's reason and unlock: the first engine's, then each later engine's own."""
    reason = BLOCKERS[blocker][0] if blocker in BLOCKERS else blocker.removeprefix("other:")
    unlocks = [unlock_of(blocker, preference_tried=bool(later), calico_writes=calico_writes)]
    same = [engine for engine, other in later if other == blocker]
    where = ", next in --engine" if calico_writes is not False else ""  # False: calico was only planned for the hints
    for engine, other in later:
        if other == blocker:
            continue
        reason += f"; {engine}{where}: {BLOCKERS[other][0] if other in BLOCKERS else 'cannot be written'}"
        found = unlock_of(other, preference_tried=True)
        unlocks.append(f"{engine}: {found}" if found else None)
    if same:
        reason += f" (for {', '.join(same)} too)"
    return reason, "; ".join(u for u in unlocks if u) or None


def _template_folder(report: ClusterReport) -> str | None:
    """The conventional template folder the cluster's code sits in: for a view the file or folder
    that names it (a module caller "examples/x: module.aks", a parameters file), else the cluster's file."""
    cluster = report.cluster
    path = cluster.environment.split(":", 1)[0] if cluster.environment else cluster.file
    return next((folder for folder in path.split("/")[:-1] if folder in TEMPLATE_FOLDERS), None)


def remaining_text(groups: list[Group]) -> str:
    if not groups:
        return ""
    lines = ["still needing a person, by what stands in the way:"]
    for group in groups:
        noun = "cluster" if group.count == 1 else "clusters"
        lines.append(f"  {group.count} {noun}: {group.reason}" + (f" -> {group.unlock}" if group.unlock else ""))
        if group.in_templates:
            globs = ", ".join(f'"{g}"' for g in group.template_globs)
            lines.append(f"      {group.in_templates} of them in example, template or test code: if that is not deployed, "
                         f"greenfield = [{globs}] in .akfix.toml")
    return "\n".join(lines)
