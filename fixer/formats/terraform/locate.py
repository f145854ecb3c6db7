"""Find AKS cluster and node-pool declarations in one Terraform file.

Only `resource "azurerm_kubernetes_cluster"` blocks are clusters. `data` sources, AKS Automatic
(`azurerm_kubernetes_automatic_cluster`, always Cilium), references in outputs and commented-out
code are not: they are either other block types or comments in the syntax tree.
"""

from __future__ import annotations

import re

from fixer.formats.terraform import hcl
from fixer.formats.terraform.azapi import AZAPI_TYPE, azapi_cluster
from fixer.formats.terraform.decls import (
    CLUSTER_TYPE,
    DATA_PLANE_ATTRIBUTES,
    MIGRATION_MARKER,
    NODE_POOL_TYPE,
    ClusterDecl,
    ClusterLookup,
    FileDecls,
    ModuleCall,
    NodePoolDecl,
    ParseFailure,
    PolicyUpdateDecl,
    is_override_file,
    value_of,
)
from fixer.formats.terraform.modules import known_module, module_source
from fixer.formats.terraform.policy_update import UPDATE_TYPE, locate_policy_update
from fixer.model import MISSING, Profile, Value, settle_data_plane
from fixer.plan.rules import azurerm as rules


def locate(body: bytes, relpath: str) -> FileDecls:
    """Declarations in one file; raises ParseFailure when the file has syntax errors."""
    tree = hcl.parse(body)
    root = tree.root_node
    if root.has_error:
        line = hcl.first_error_line(root) or 1
        error = root if root.type == "ERROR" else next((c for c in root.children if c.type == "ERROR"), None)
        if error is not None and error.end_byte >= len(body.rstrip()) and error.start_point[0] + 1 == line:
            last = body.rstrip().count(b"\n") + 1
            raise ParseFailure(f"HCL syntax error: unexpected end of file (a block opened at line {line} is not closed)", last)
        raise ParseFailure("HCL syntax error (tree-sitter could not parse this region)", line)
    _refuse_duplicates(root, relpath)
    clusters: list[ClusterDecl] = []
    pools: list[NodePoolDecl] = []
    updates: list[PolicyUpdateDecl] = []
    lookups: list[ClusterLookup] = []
    for block in hcl.blocks(hcl.body_of(root)):
        if block.type == "data" and block.labels[:1] == (CLUSTER_TYPE,) and len(block.labels) == 2:
            lookups.append(_cluster_lookup(block))
        if block.type != "resource" or len(block.labels) != 2:
            continue
        resource_type, name = block.labels
        if resource_type == CLUSTER_TYPE:
            clusters.append(_cluster(block, name, relpath))
        elif resource_type == AZAPI_TYPE:
            found = azapi_cluster(block, relpath)
            if found is not None:
                clusters.append(found)
        elif resource_type == NODE_POOL_TYPE:
            pools.append(_node_pool(block, name, relpath))
        elif resource_type == UPDATE_TYPE and (update := locate_policy_update(block, relpath)) is not None:
            updates.append(update)
    unknown = []
    for block in hcl.blocks(hcl.body_of(root)):
        if block.type == "module" and len(block.labels) == 1:
            found = known_module(block, relpath)
            if found is not None:
                clusters.append(found)
                continue
            source = module_source(block) or ""
            lowered = source.lower()
            if not source.startswith(("./", "../")) and ("aks" in lowered or "kubernetes" in lowered):
                passes = tuple((name, text) for name, node in hcl.attributes(block.body)
                               if (expression := hcl.expression_of(node)) is not None and (text := hcl.string_content(expression)) is not None)
                unknown.append(ModuleCall(relpath, block.node.start_point[0] + 1, block.labels[0], source, passes=passes))
    return FileDecls(tuple(clusters), tuple(pools), tuple(unknown), tuple(updates), tuple(lookups))


def _cluster_lookup(block: hcl.Block) -> ClusterLookup:
    def literal(name: str) -> str | None:
        node = hcl.attribute(block.body, name)
        return value_of(node).literal if node is not None else None

    node = hcl.attribute(block.body, "name")
    text = value_of(node).text or "" if node is not None else ""
    return ClusterLookup(block.labels[1], literal("name"), literal("resource_group_name"),
                         from_deployment=text.startswith(("module.", f"{CLUSTER_TYPE}.")))


def _refuse_duplicates(root, relpath: str) -> None:
    """Terraform rejects a block declared twice, and the editor finds a block by its labels: akfix
    could read one declaration of a cluster and edit the other (found by fuzzing). Only the kinds
    akfix edits are checked; override files are merged into other files' blocks, so they are left
    to that merge."""

    if is_override_file(relpath):
        return
    first: dict[tuple[str, tuple[str, ...]], int] = {}
    for block in hcl.blocks(hcl.body_of(root)):
        if block.type != "module" and not (block.type == "resource" and block.labels[:1] in ((CLUSTER_TYPE,), (AZAPI_TYPE,))):
            continue
        line = block.node.start_point[0] + 1
        key = (block.type, block.labels)
        if key in first:
            name = ".".join(block.labels) if block.type == "resource" else f"module.{block.labels[0] if block.labels else ''}"
            raise ParseFailure(f"{name} is declared twice (first at line {first[key]}); Terraform rejects duplicate blocks", line)
        first[key] = line


def _cluster(block: hcl.Block, name: str, relpath: str) -> ClusterDecl:
    body = block.body
    profile_block = None
    dynamic = False
    dynamic_content = None  # a dynamic network_profile's content: its settings, once resolve.py knows it renders one block
    node_pool_block = None
    lifecycle = None
    auto = False
    identity = MISSING
    for child in hcl.blocks(body):
        if child.type == "network_profile":
            if profile_block is not None:
                # Terraform allows one; akfix would read the last and edit the first (found by fuzzing)
                raise ParseFailure(f"{CLUSTER_TYPE}.{name} has a second network_profile block (the first at line "
                                   f"{profile_block.node.start_point[0] + 1}); Terraform allows one", child.node.start_point[0] + 1)
            profile_block = child
        elif child.type == "dynamic" and child.labels[:1] == ("network_profile",):
            # several (one per mode, each `for_each = var.mode == "x" ? [1] : []`): which renders is
            # resolve.py's question, and no one block's settings are the cluster's (found on real code)
            dynamic_content = next((b for b in hcl.blocks(child.body) if b.type == "content"), None) if not dynamic else None
            dynamic = True
        elif child.type == "default_node_pool":
            node_pool_block = child
        elif child.type == "lifecycle":
            lifecycle = child
        elif child.type == "identity":
            node = hcl.attribute(child.body, "type")
            identity = value_of(node) if node is not None else MISSING
        elif child.type == "node_provisioning_profile":
            mode = hcl.attribute(child.body, "mode")
            auto = mode is not None and (value_of(mode).literal or "").lower() == "auto"
    attribute = hcl.attribute(body, "network_profile")
    if attribute is not None:
        # `network_profile = {...}` is no block: Terraform refuses it, and akfix would add a block
        # beside it that python-hcl2 cannot tell apart (found by fuzzing)
        raise ParseFailure(f"{CLUSTER_TYPE}.{name}: network_profile is written as an argument (`= {{...}}`); "
                           "Terraform expects a block", attribute.start_point[0] + 1)
    fields: dict[str, Value] = {}
    data_plane_attribute = None
    names: set[str] = set()
    read_from = profile_block if profile_block is not None else dynamic_content
    if profile_block is not None and dynamic:
        read_from = None  # a block beside a dynamic one: Terraform allows one of them to render
    if read_from is not None:
        for key, node in hcl.attributes(read_from.body):
            names.add(key)
            fields[key] = value_of(node)
            if key in DATA_PLANE_ATTRIBUTES and data_plane_attribute != "ebpf_data_plane":
                data_plane_attribute = key  # beside network_data_plane, ebpf_data_plane is the one (settle_data_plane)
        names.update(b.type for b in hcl.blocks(read_from.body))
    # Cluster and default_node_pool attributes only one azurerm major accepts (rules.ATTRIBUTE_*).
    names.update(key for key, _ in hcl.attributes(body) if key in rules.MAJOR_HINTS)
    names.update(b.type for b in hcl.blocks(body) if b.type in rules.MAJOR_HINTS)  # e.g. addon_profile (removed in 3.0)
    names.update(f"{b.type}.{key}" for b in hcl.blocks(body) for key, _ in hcl.attributes(b.body)
                 if f"{b.type}.{key}" in rules.MAJOR_HINTS)  # e.g. azure_active_directory_role_based_access_control.managed
    has_provisioning = any(b.type == "node_provisioning_profile" for b in hcl.blocks(body))
    names.add(rules.NODE_PROVISIONING_PROFILE if has_provisioning else rules.NO_NODE_PROVISIONING_PROFILE)
    pools = [node_pool_block] if node_pool_block is not None else []
    pools += [content for b in hcl.blocks(body) if b.type == "dynamic" and b.labels[:1] == ("default_node_pool",)
              for content in hcl.blocks(b.body) if content.type == "content"]
    for pool in pools:
        names.update(f"default_node_pool.{key}" for key, _ in hcl.attributes(pool.body) if f"default_node_pool.{key}" in rules.MAJOR_HINTS)
    pod_subnet = MISSING
    if node_pool_block is not None:
        node = hcl.attribute(node_pool_block.body, "pod_subnet_id")
        pod_subnet = value_of(node) if node is not None else MISSING
    version_node = hcl.attribute(body, "kubernetes_version")
    profile = Profile(
        block_present=profile_block is not None,
        block_dynamic=dynamic,
        plugin=fields.get("network_plugin", MISSING),
        plugin_mode=fields.get("network_plugin_mode", MISSING),
        policy=fields.get("network_policy", MISSING),
        data_plane=fields.get(data_plane_attribute, MISSING) if data_plane_attribute else MISSING,
        data_plane_attribute=data_plane_attribute,
        data_plane_alternate=fields["network_data_plane"] if data_plane_attribute == "ebpf_data_plane" and "network_data_plane" in fields else MISSING,
        pod_subnet=pod_subnet,
        outbound_type=fields.get("outbound_type", MISSING),
        kubernetes_version=value_of(version_node) if version_node is not None else MISSING,
        auto_provisioning=auto,
        identity_type=identity,
        migration_pending=profile_block is not None and any(
            MIGRATION_MARKER in (c.text or b"") for c in hcl.descend(profile_block.node, "comment")),
    )
    return ClusterDecl(
        address=f"{CLUSTER_TYPE}.{name}",
        name=name,
        file=relpath,
        line=block.node.start_point[0] + 1,
        profile=settle_data_plane(profile),
        sets_profile=profile_block is not None or dynamic,
        sets_node_pool=node_pool_block is not None,
        kubernetes_version=profile.kubernetes_version,
        attribute_names=frozenset(names),
        ignores_profile=_ignores_profile(lifecycle),
        prevent_destroy=_prevents_destroy(lifecycle),
    )


# The network_profile attributes a fix writes: ignore_changes on any of them (or on the whole block)
# keeps Terraform from ever applying the fix; ignoring another part of the block does not.
_WRITTEN = {"network_policy", "network_plugin", "network_plugin_mode", "network_data_plane", "ebpf_data_plane"}


def _ignores_profile(lifecycle: hcl.Block | None) -> bool:
    """`ignore_changes = all`, or a list naming network_profile or an attribute of it a fix writes
    (`network_profile[0].load_balancer_profile` alone does not count). Anything akfix cannot read as
    such a list counts as covering the profile: the safe side."""
    node = hcl.attribute(lifecycle.body, "ignore_changes") if lifecycle else None
    if node is None:
        return False
    expression = hcl.text(hcl.expression_of(node) or node).strip()
    if expression == "all":
        return True
    if not (expression.startswith("[") and expression.endswith("]")):
        return "network_profile" in expression
    for element in expression[1:-1].split(","):
        path = re.sub(r"\[[^\]]*\]", "", re.sub(r"#.*|//.*", "", element)).strip().strip('"').split(".")
        if path[0] == "network_profile" and (len(path) == 1 or path[1] in _WRITTEN):
            return True
    return False


def _prevents_destroy(lifecycle: hcl.Block | None) -> bool:
    node = hcl.attribute(lifecycle.body, "prevent_destroy") if lifecycle else None
    return node is not None and hcl.text(hcl.expression_of(node) or node).strip() == "true"


_NO_INSTANCE = {"count": ("0",), "for_each": ("{}", "[]", "toset([])")}


def _never_created(body) -> bool:
    """`count = 0` or a for_each over an empty literal: Terraform creates no instance of the block."""
    for name, empty in _NO_INSTANCE.items():
        node = hcl.attribute(body, name)
        if node is not None and re.sub(r"\s+", "", hcl.text(hcl.expression_of(node) or node)) in empty:
            return True
    return False


def _node_pool(block: hcl.Block, name: str, relpath: str) -> NodePoolDecl:
    body = block.body
    os_node = hcl.attribute(body, "os_type") if not _never_created(body) else None  # a pool never created has no OS
    os_value = value_of(os_node) if os_node is not None else None
    os_type = os_value.literal if os_value is not None else None
    os_inputs = None
    if os_value is not None and os_type is None and os_value.text:
        for_each = hcl.attribute(body, "for_each")
        os_inputs = os_value.text + (" " + hcl.text(hcl.expression_of(for_each) or for_each) if for_each is not None else "")
    ref_node = hcl.attribute(body, "kubernetes_cluster_id")
    cluster_name = cluster_data = cluster_id = None
    if ref_node is not None:
        ref = value_of(ref_node).text or ""
        prefix = f"{CLUSTER_TYPE}."
        if ref.startswith(prefix):
            cluster_name = ref[len(prefix):].split(".")[0].split("[")[0]
        elif ref.startswith(f"data.{prefix}"):
            cluster_data = ref[len(prefix) + 5:].split(".")[0].split("[")[0]
        elif ref.startswith(("var.", "local.")) or value_of(ref_node).literal is not None:
            cluster_id = ref
    return NodePoolDecl(
        address=f"{NODE_POOL_TYPE}.{name}",
        file=relpath,
        line=block.node.start_point[0] + 1,
        windows=(os_type or "").lower() == "windows",
        cluster_name=cluster_name,
        os_inputs=os_inputs,
        cluster_data=cluster_data,
        cluster_id=cluster_id,
    )
