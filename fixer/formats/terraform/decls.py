"""What one Terraform file declares, as values: cluster, node-pool and module-call declarations,
and how an HCL expression becomes a Value. The lowest module of the Terraform package: the
locator, the azapi and module readers and the override merge all build on it."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from fixer.formats.terraform import hcl
from fixer.model import MISSING, Profile, Value, ValueKind
from fixer.plan.migration import MIGRATION_MARKER  # noqa: F401  (the phase-1 comment: editor writes it, locate reads it)

CLUSTER_TYPE = "azurerm_kubernetes_cluster"
NODE_POOL_TYPE = "azurerm_kubernetes_cluster_node_pool"
DATA_PLANE_ATTRIBUTES = ("network_data_plane", "ebpf_data_plane")


class ParseFailure(ValueError):
    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class ClusterDecl:
    """One cluster resource block in one file, before `*_override.tf` files are merged in."""

    address: str
    name: str
    file: str
    line: int
    profile: Profile  # from this block alone
    sets_profile: bool  # the block has a network_profile (static or dynamic)
    sets_node_pool: bool  # the block has a default_node_pool
    kubernetes_version: Value
    attribute_names: frozenset[str]  # network_profile attributes written, and major hints (rules.MAJOR_HINTS)
    ignores_profile: bool = False
    prevent_destroy: bool = False
    module: str | None = None  # registry module that builds the cluster, e.g. "Azure/aks/azurerm 9.1.0"
    editable: bool = True  # False: akfix reports it but cannot write its fix yet
    not_editable_why: str = ""
    not_editable_blocker: str = ""
    api_version: str | None = None  # azapi: the API version in `type` (ARM rules apply)
    windows_inline: bool = False  # a Windows pool declared inside the cluster (azapi agentPoolProfiles)
    input_names: tuple[tuple[str, str], ...] | None = None  # provider attribute -> module input (None: by module)

    @classmethod
    def of_block(cls, block: hcl.Block, address: str, relpath: str, profile: Profile, **details) -> "ClusterDecl":
        """A declaration whose network settings live in the block itself (module calls, azapi)."""
        return cls(
            address=address,
            name=address.rsplit(".", 1)[1],
            file=relpath,
            line=block.node.start_point[0] + 1,
            profile=profile,
            sets_profile=details.pop("sets_profile", True),
            sets_node_pool=False,
            kubernetes_version=profile.kubernetes_version,
            attribute_names=frozenset(),
            **details,
        )


@dataclass(frozen=True)
class NodePoolDecl:
    address: str
    file: str
    line: int
    windows: bool
    cluster_name: str | None  # the azurerm_kubernetes_cluster it references, when visible
    # os_type (and for_each) text where os_type is no literal: the inputs it reads decide whether it may be Windows
    os_inputs: str | None = None
    # the `data "azurerm_kubernetes_cluster"` it references (`data.azurerm_kubernetes_cluster.x.id`):
    # a cluster found by name, maybe one another root declares
    cluster_data: str | None = None
    # `kubernetes_cluster_id = var.aks_id` (or a local, or a literal ID): a cluster named by its ID, maybe
    # one another root declares (workspace.looked_up_pools reads the ID where the pool's folder gives it)
    cluster_id: str | None = None


@dataclass(frozen=True)
class ClusterLookup:
    """A `data "azurerm_kubernetes_cluster"` block: the name and resource group it looks up, where literal."""

    label: str
    name: str | None
    resource_group: str | None
    # the name is read from a module or a cluster resource of the lookup's own root (`module.aks.name`):
    # that root's deployment, whose own folders the Windows checks already read
    from_deployment: bool = False


@dataclass(frozen=True)
class ModuleCall:
    """A call of a module akfix does not know, whose source suggests it builds AKS clusters."""

    file: str
    line: int
    name: str
    source: str
    terragrunt: bool = False  # a terragrunt.hcl's `terraform { source }` (terragrunt.remote_run), not a module block
    passes: tuple[tuple[str, str], ...] = ()  # the string literals the call passes (name, value)
    group = "unknown-module"  # how reports list what was not inspected (report/text.py)

    @property
    def label(self) -> str:
        return "terragrunt" if self.terragrunt else f"module.{self.name}"

    def describe(self, shown=lambda relpath: relpath) -> str:
        return f"{shown(self.file)}:{self.line}  {self.label}  source = {self.source}"

    def to_json(self) -> dict:
        return {"file": self.file, "line": self.line, "module": self.label, "source": self.source}

    def passed(self, name: str) -> str | None:
        return next((value for key, value in self.passes if key == name), None)


@dataclass(frozen=True)
class PolicyUpdateDecl:
    """An `azapi_update_resource` that sets the network policy of an azurerm cluster of its module
    (formats/terraform/policy_update.py): the cluster runs the engine it sets."""

    address: str
    file: str
    line: int
    cluster_name: str  # the azurerm_kubernetes_cluster whose id it updates
    policy: Value  # body.properties.networkProfile.networkPolicy, where the literal is


@dataclass(frozen=True)
class FileDecls:
    clusters: tuple[ClusterDecl, ...]
    node_pools: tuple[NodePoolDecl, ...]
    unknown_modules: tuple[ModuleCall, ...] = ()
    policy_updates: tuple[PolicyUpdateDecl, ...] = ()
    cluster_lookups: tuple[ClusterLookup, ...] = ()


def value_of(attribute_node) -> Value:
    return value_of_expression(hcl.expression_of(attribute_node))


def value_of_expression(expression) -> Value:
    if expression is None:
        return MISSING
    line = expression.start_point[0] + 1
    literal = hcl.string_content(expression)
    if literal is not None:
        return Value(ValueKind.LITERAL, literal, line)
    if hcl.is_null(expression):
        return MISSING
    return Value(ValueKind.EXPRESSION, hcl.text(expression).strip(), line)


def is_override_file(relpath: str) -> bool:
    name = posixpath.basename(relpath)
    stem = name[: -len(".tf.json")] if name.endswith(".tf.json") else name[: -len(".tf")]
    return stem == "override" or stem.endswith("_override")
