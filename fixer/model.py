"""The values that flow through the pipeline: discover -> locate -> plan -> edit -> verify -> deliver.

Every value is a frozen dataclass so that stages cannot change each other's data behind
their backs; a stage returns new values instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import Any

ENGINES = ("cilium", "calico", "azure")


class Status(str, Enum):
    """What the code says about a cluster's policy engine."""

    COMPLIANT = "compliant"  # a real engine (azure, calico, cilium) is set
    MISSING = "missing"  # nothing is set
    NONE = "none"  # explicitly "none" or "" (other scanners wrongly pass these)
    UNRESOLVED = "unresolved"  # set by an expression akfix could not resolve


class Risk(str, Enum):
    """How dangerous a fix is to a live cluster; plays the role of Ruff's fix applicability."""

    IN_PLACE = "in-place"  # no disruption
    DISRUPTIVE = "disruptive"  # in place, but every node pool is reimaged
    REPLACEMENT = "replacement"  # destroys and recreates the cluster: needs --allow-replacement
    MANUAL = "manual"  # akfix cannot know or cannot express it safely: never written

    @property
    def rank(self) -> int:
        return _RISK_ORDER.index(self)


_RISK_ORDER = [Risk.IN_PLACE, Risk.DISRUPTIVE, Risk.REPLACEMENT, Risk.MANUAL]


def riskiest(risks: list[Risk]) -> Risk:
    return max(risks, key=lambda r: r.rank)


class ValueKind(str, Enum):
    LITERAL = "literal"
    MISSING = "missing"
    EXPRESSION = "expression"


@dataclass(frozen=True)
class Spot:
    """Bytes [start, end) of a file (body offsets, after any BOM) holding a literal or null that a
    fix may replace: a variable default, a tfvars value, a local, a branch of a ternary."""

    file: str
    start: int
    end: int
    kind: str  # literal | tfvars | null ...


@dataclass(frozen=True)
class Validation:
    """A list of allowed values in a variable's validation block; a fix extends it."""

    file: str
    insert_at: int  # body offset just after the list's last element
    values: tuple[str, ...]
    line: int
    compare: str = ""  # an `x == "a" || x == "b"` chain instead of a list: the compared expression `x`
    regex: bool = False  # a regex's `(a|b)` group instead of a list


@dataclass(frozen=True)
class Value:
    """One setting as the code states it: a literal, absent, or an expression."""

    kind: ValueKind
    text: str | None = None  # the literal string, or the expression's source text
    line: int | None = None  # 1-based line of the value in its file
    file: str | None = None  # where the value lives when not in the cluster's own file
    origin: Spot | None = None  # where a new literal goes when the value comes from elsewhere
    validations: tuple[Validation, ...] = ()
    via: str = ""  # how the value was reached, e.g. "var.network_policy default"
    # A module's default reached through a caller that does not pass the input: where the caller's
    # argument would go (kind "argument:<input>", the span of its module block). Used instead of the
    # shared default when other callers read that default but plan otherwise (plan/views.py).
    caller_origin: Spot | None = None
    note: str = ""  # why an expression stays unresolved
    # How an expression was evaluated (formats/decide.py): the expression, the values it used and
    # where each came from, and the result; shown by `akfix explain`. Empty for plain values.
    evaluation: str = ""
    # An expression left unresolved whose every allowed input gives one of these strings (formats/decide.py).
    domain: tuple[str, ...] = ()

    @property
    def literal(self) -> str | None:
        return self.text if self.kind is ValueKind.LITERAL else None

    @property
    def is_missing(self) -> bool:
        return self.kind is ValueKind.MISSING


MISSING = Value(ValueKind.MISSING)


@dataclass(frozen=True)
class Profile:
    """The network profile of a cluster as far as the code says."""

    block_present: bool = False
    # `dynamic "network_profile"` not known to render exactly one block (then it is read as the block
    # and this is False): akfix cannot edit it; `dynamic_why` says why it was not read.
    block_dynamic: bool = False
    dynamic_why: str = ""
    # The dynamic block renders no block in this view's run (`x != null ? [x] : []`, x null there):
    # the cluster has no network profile, so no engine -- and a new block cannot go beside the dynamic one.
    dynamic_none: bool = False
    plugin: Value = MISSING
    plugin_mode: Value = MISSING
    policy: Value = MISSING
    data_plane: Value = MISSING
    data_plane_attribute: str | None = None  # network_data_plane | ebpf_data_plane | networkDataplane
    # The other data-plane attribute's value when the block states both (azurerm 3.108-3.117 accept
    # network_data_plane beside ebpf_data_plane, ConflictsWith each other: modules wire each to its
    # own variable). `data_plane` is ebpf_data_plane's, the in-place way on 3.x, unless only
    # network_data_plane is set (settle_data_plane). Kept because a view still reads both places.
    data_plane_alternate: Value = MISSING
    pod_subnet: Value = MISSING  # default_node_pool.pod_subnet_id
    outbound_type: Value = MISSING
    kubernetes_version: Value = MISSING  # the cluster's kubernetes_version, when the code sets it
    auto_provisioning: bool = False  # node auto-provisioning on (node_provisioning_profile mode = "Auto")
    identity_type: Value = MISSING  # the cluster's identity type (SystemAssigned, UserAssigned), where the code says
    # akfix wrote phase 1 of the kubenet migration here (an `akfix:phase-1` comment in the profile):
    # the engine waits until that change is known to be applied.
    migration_pending: bool = False
    # Why this cluster's code cannot carry that mark, as the locator sees it (e.g. an ARM `comments`
    # that is not a string, a one-line azapi networkProfile); empty: it can, or the format decides.
    unmarkable: str = ""


def settle_data_plane(profile: "Profile") -> "Profile":
    """Of a block's two data-plane attributes, the one that is set decides (at most one may be:
    ConflictsWith); when neither is, ebpf_data_plane stays the attribute a fix writes."""
    if profile.data_plane_alternate.is_missing or not profile.data_plane.is_missing:
        return profile
    return replace(profile, data_plane=profile.data_plane_alternate, data_plane_attribute="network_data_plane",
                   data_plane_alternate=profile.data_plane)


@dataclass(frozen=True)
class LiveState:
    """What the cluster really runs: read from `terraform show -json` (plan or state), an inventory
    (`az aks list`) or Azure Resource Graph."""

    plugin: str | None = None
    plugin_mode: str | None = None
    policy: str | None = None
    data_plane: str | None = None
    source: str = ""  # the file the values came from
    id: str | None = None  # the Azure resource id, when the source says it
    matched_by: str = ""  # how an inventory's cluster was matched to this code cluster (fixer/facts/match.py)
    # Where the source says them: a network_profile block added to the code must repeat any that
    # differ from the provider's defaults (load_balancer_sku is ForceNew; facts §1.4).
    load_balancer_sku: str | None = None
    outbound_type: str | None = None
    # A state file's schema shows the provider that last wrote it was at least this azurerm version
    # (providers are upgraded, not downgraded): a lower bound where no lock pins the version.
    written_by: tuple[int, int, int] | None = None

    @property
    def network(self) -> tuple:
        """What two sources must agree on to be one fact."""
        return (self.plugin, self.plugin_mode, self.policy, self.data_plane, self.load_balancer_sku, self.outbound_type)


@dataclass(frozen=True)
class Cluster:
    """One AKS cluster found in code."""

    file: str  # relative to the scanned root, forward slashes
    line: int
    format: str  # terraform | bicep | arm | pulumi | cdktf
    address: str  # e.g. azurerm_kubernetes_cluster.main
    profile: Profile
    module_dir: str = ""  # the Terraform module (directory) the cluster belongs to
    profile_file: str = ""  # the file whose network_profile is effective (an override file wins)
    windows_pools: tuple[str, ...] = ()  # addresses of Windows node pools of this cluster
    # Windows Server versions its deployment names as a pool's OS SKU ("Windows2025"): Calico on AKS
    # supports Windows Server 2019 and 2022 only (facts §4). Read where windows_pools is not empty.
    windows_skus: tuple[str, ...] = ()
    live: LiveState | None = None
    environment: str | None = None  # the -var-file whose values this view of the cluster uses
    instance: str | None = None  # Terraform: the for_each key of this view (one view per instance)
    instance_is_index: bool = False  # ... or its count.index (`type.name[0]`, no quotes)
    module: str | None = None  # the registry module that builds it, e.g. "Azure/aks/azurerm 9.1.0"
    input_names: tuple[tuple[str, str], ...] = ()  # provider attribute -> the module input to write
    editable: bool = True  # False: reported and planned, but akfix cannot write this fix yet
    not_editable_why: str = ""  # where editable is False: why, for people (else the planner says it)
    not_editable_blocker: str = ""  # ... and what stands in the way (report/remaining.py), when not the planner's default
    api_version: str | None = None  # set for clusters deployed by a PUT (ARM, Bicep, azapi): ARM rules apply
    api_origin: Spot | None = None  # where the API version's bytes are, when it comes from elsewhere
    ignores_profile: bool = False  # lifecycle.ignore_changes covers the network profile
    name: Value = MISSING  # the Azure resource name as the code states it (matched against inventories)
    resource_group: Value = MISSING  # its resource group, where the code fixes it
    live_note: str = ""  # why no live cluster was matched to it (ambiguous or unknown name)
    prevent_destroy: bool = False  # lifecycle.prevent_destroy: Terraform refuses a replacement
    @property
    def instance_address(self) -> str:
        """The address Terraform gives this view: `type.name["key"]` for a for_each instance,
        `type.name[0]` for a count instance."""
        if self.instance is None:
            return self.address
        return f"{self.address}[{self.instance}]" if self.instance_is_index else f'{self.address}["{self.instance}"]'

    # Format-specific handle the editor needs (byte spans, node ids); not part of equality.
    anchor: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Change:
    """One abstract change to a cluster's network profile; the format's editor makes it text."""

    attribute: str  # provider attribute name, e.g. network_policy, network_data_plane
    value: str
    origin: Spot | None = None  # write the literal here instead of in the resource block
    validations: tuple[Validation, ...] = ()  # allowed-value lists to extend with `value`
    # The attribute is absent from a module's resource block that several callers share: the module
    # gains an input variable of this name (default null, which Terraform treats as not set, so the
    # other callers plan nothing new), the block reads it, and `origin` is this caller's argument.
    # In the block (the editor's view) the value is then the reference `var.<attribute>`, unquoted.
    exposes: bool = False


@dataclass(frozen=True)
class Fix:
    """What the planner decided for one cluster."""

    risk: Risk
    summary: str
    engine: str | None = None  # engine after the fix
    changes: tuple[Change, ...] = ()
    add_block: bool = False  # the network_profile block does not exist yet
    reasons: tuple[str, ...] = ()  # the facts behind the decision, for people
    hint: str | None = None  # the flag or step that would let akfix apply it
    # Engines of an --engine preference list that were considered and not written: (engine, why).
    skipped: tuple[tuple[str, str], ...] = ()
    # Where no engine of the list can be written: (engine, blocker) of each later engine, so the
    # summary groups by what stands in the way of all of them (report/remaining.py).
    later_blockers: tuple[tuple[str, str], ...] = ()
    # One engine asked and its fix cannot be written: calico was planned too (plan/preference.py) and
    # can be written (calico_writes True), or cannot (False; its blocker in later_blockers). None: not
    # planned (another engine was asked after it, or the answer came from elsewhere).
    calico_writes: bool | None = None
    # A provider floor: the fix holds only from this azurerm version on, so the module's constraint
    # is raised to it in the same change (Terraform; the adapter writes the constraint). Python
    # programs raise the floor of the package that decides (`floor_of`) in their project files.
    floor: tuple[int, int, int] | None = None
    floor_of: str = "azurerm"  # what `floor` is a version of: azurerm, or a Python package
    blocker: str = ""  # what keeps a manual fix from being written, e.g. live-plugin-unknown (report/remaining.py)
    # The kubenet migration (plan/migration.py): 1 = the move to overlay alone, with akfix's marker;
    # 2 = the engine once the move is known applied, the marker removed; 0 = not a migration.
    phase: int = 0
    # The answer that stands where an adapter cannot write this fix whole (calico through
    # azapi_update_resource, refused for the module around it): what the planner said without it.
    otherwise: Fix | None = None

    @property
    def later_asked(self) -> bool:
        """Whether later_blockers are engines --engine asked for (else: calico, planned for the hints)."""
        return self.calico_writes is not False

    def writable(self, allow_replacement: bool) -> bool:
        if not self.changes:
            return False
        if self.risk in (Risk.IN_PLACE, Risk.DISRUPTIVE):
            return True
        return self.risk is Risk.REPLACEMENT and allow_replacement


@dataclass(frozen=True)
class Edit:
    """Replace bytes [start, end) of a file with `text` (already encoded like the file)."""

    start: int
    end: int
    text: bytes


@dataclass(frozen=True)
class FileChange:
    """A whole file's before and after. `before` is None for a file that does not exist yet."""

    path: Path  # absolute
    relpath: str  # relative to the root, forward slashes, for people
    before: bytes | None
    after: bytes
    reason: str = ""


@dataclass(frozen=True)
class Problem:
    """Bad input or a refused write: reported with file and line, never fatal to the run."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"
