"""`azapi_update_resource` setting an azurerm cluster's network policy (plan/policy_update.py says why
this is safe): read one, say whether a module can hold a new one, and write it.

Read: an update of type `Microsoft.ContainerService/managedClusters@...` whose `resource_id` is
`azurerm_kubernetes_cluster.NAME.id` (also `[count.index]`, or `each.value.id` under `for_each =
azurerm_kubernetes_cluster.NAME`) gives that cluster the policy in its body: the cluster runs it.

Write: the resource goes right after the cluster's block, mirroring its `count` / `for_each`, with
`locks` on the cluster's id (the pattern of azapi's own AKS acceptance test,
internal/services/azapi_update_resource_aks_etag_mismatch_test.go). The module gains `azapi` in
its `required_providers`. A `provider "azurerm"` block that sets credentials is repeated as
`provider "azapi"` (the same argument names mean the same in both providers, azapi docs/index.md):
otherwise azapi would authenticate differently from azurerm.
"""

from __future__ import annotations

import re
from dataclasses import replace

from fixer.formats.terraform import editor, hcl
from fixer.formats.terraform.azapi import CLUSTER_ARM_TYPE, arm_type, network_profile
from fixer.formats.terraform.constraints import ConstraintSite, find_site, raise_floor
from fixer.formats.terraform.decls import CLUSTER_TYPE, PolicyUpdateDecl, value_of_expression
from fixer.model import Edit, Spot, ValueKind
from fixer.plan.policy_update import API_VERSION, AZAPI_FLOOR
from fixer.versions import format_version, parse_constraint

UPDATE_TYPE = "azapi_update_resource"
AZAPI_SOURCE = "Azure/azapi"
_CLUSTER_ID = re.compile(rf"^{CLUSTER_TYPE}\.([A-Za-z_][\w-]*)(?:\[[^\]]*\])?\.id$")
_CLUSTER_SET = re.compile(rf"^{CLUSTER_TYPE}\.([A-Za-z_][\w-]*)$")

# Arguments azurerm and azapi both take with the same meaning (azapi docs/index.md): credentials,
# cloud, registration. Any other argument but those below makes the mirror unsafe: left to a person.
SHARED_ARGUMENTS = frozenset({
    "subscription_id", "tenant_id", "auxiliary_tenant_ids", "client_id", "client_id_file_path", "client_secret",
    "client_secret_file_path", "client_certificate", "client_certificate_password", "client_certificate_path", "environment",
    "use_cli", "use_msi", "use_oidc", "oidc_request_token", "oidc_request_url", "oidc_token", "oidc_token_file_path",
    "oidc_azure_service_connection_id", "use_aks_workload_identity", "partner_id", "disable_terraform_partner_id",
    "skip_provider_registration", "disable_correlation_request_id",
})
# azurerm-only arguments that say nothing about how to reach Azure.
AZURERM_ONLY = frozenset({"features", "resource_provider_registrations", "resource_providers_to_register", "storage_use_azuread",
                          "version"})


def locate_policy_update(block: hcl.Block, relpath: str) -> PolicyUpdateDecl | None:
    """The update, when it sets the policy of an azurerm cluster of this module; else None."""
    kind, _api = arm_type(block) or ("", "")
    if kind != CLUSTER_ARM_TYPE:
        return None
    cluster = _target(block)
    found = hcl.object_element(network_profile(block), "networkPolicy")
    if cluster is None or found is None:
        return None
    value = value_of_expression(found[1])
    if value.kind is ValueKind.LITERAL:
        literal = hcl.string_node(found[1])
        origin = Spot(relpath, literal.start_byte, literal.end_byte, "literal")
        value = replace(value, file=relpath, origin=origin, via=f"{UPDATE_TYPE}.{block.labels[1]}")
    return PolicyUpdateDecl(f"{UPDATE_TYPE}.{block.labels[1]}", relpath, block.node.start_point[0] + 1, cluster, value)


def _target(block: hcl.Block) -> str | None:
    node = hcl.attribute(block.body, "resource_id")
    expression = hcl.expression_of(node) if node is not None else None
    if expression is None:
        return None
    text = "".join(hcl.text(expression).split())
    match = _CLUSTER_ID.match(text)
    if match:
        return match.group(1)
    each = hcl.attribute(block.body, "for_each")
    over = "".join(hcl.text(hcl.expression_of(each)).split()) if each is not None and hcl.expression_of(each) is not None else ""
    match = _CLUSTER_SET.match(over)
    return match.group(1) if match and text == "each.value.id" else None


def cluster_block(body: bytes, name: str) -> hcl.Block | None:
    return hcl.top_block(hcl.parse(body).root_node, "resource", (CLUSTER_TYPE, name))


def multiplicity(block: hcl.Block) -> str | None:
    """count or for_each, whichever the cluster has (the update mirrors it)."""
    return next((name for name in ("count", "for_each") if hcl.attribute(block.body, name) is not None), None)


def provider_alias(block: hcl.Block) -> str | None:
    node = hcl.attribute(block.body, "provider")
    return hcl.text(hcl.expression_of(node)).strip() if node is not None and hcl.expression_of(node) is not None else None


def update_name(cluster_name: str, taken: set[str]) -> str:
    name = f"{cluster_name}_network_policy"
    while name in taken:
        name += "_akfix"
    return name


def taken_names(files: dict[str, bytes]) -> set[str]:
    out = set()
    for body in files.values():
        if UPDATE_TYPE.encode() in body:
            root = hcl.body_of(hcl.parse(body).root_node)
            out |= {b.labels[1] for b in hcl.blocks(root) if b.type == "resource" and b.labels[:1] == (UPDATE_TYPE,) and len(b.labels) == 2}
    return out


def update_edit(body: bytes, block: hcl.Block, name: str, engine: str, newline: bytes) -> Edit:
    """The resource, inserted right after the cluster's block, in the file's indentation."""
    unit = hcl.indent_unit(body).decode()
    cluster = f"{CLUSTER_TYPE}.{block.labels[1]}"
    head: list[tuple[str, str]] = []
    repeat = multiplicity(block)
    if repeat == "count":
        head, resource_id = [("count", f"length({cluster})")], f"{cluster}[count.index].id"
    elif repeat == "for_each":
        head, resource_id = [("for_each", cluster)], "each.value.id"
    else:
        resource_id = f"{cluster}.id"
    rows = [("type", f'"Microsoft.ContainerService/managedClusters@{API_VERSION}"'), ("resource_id", resource_id),
            ("locks", f"[{resource_id}]")]
    width = max(len(k) for k, _ in rows)
    lines = [
        "",
        # True for both uses (plugin unknown; azurerm would recreate): said once, in the code people review
        "# Calico, set in place by azapi: it PUTs the cluster back as Azure reports it with networkPolicy changed (as",
        "# az aks update --network-policy calico does), which needs neither the network plugin nor a new cluster.",
        f'resource "{UPDATE_TYPE}" "{name}" {{',
    ]
    lines += [f"{unit}{k} = {v}" for k, v in head] + ([""] if head else [])
    lines += [f"{unit}{k.ljust(width)} = {v}" for k, v in rows]
    lines += ["", f"{unit}body = {{", f"{unit * 2}properties = {{", f"{unit * 3}networkProfile = {{",
              f'{unit * 4}networkPolicy = "{engine}"', f"{unit * 3}}}", f"{unit * 2}}}", f"{unit}}}", "}"]
    text = newline.decode().join([""] + lines)
    return Edit(block.node.end_byte, block.node.end_byte, text.encode())


def azapi_site(module_files: dict[str, bytes], cluster_file: str) -> tuple[ConstraintSite, str | None] | str:
    """(where the module's azapi constraint is or goes, the constraint to write there or None when
    it already admits only azapi >= 2.5.0), or why it cannot be written."""
    site = find_site(module_files, cluster_file, "azapi")
    floor = format_version(AZAPI_FLOOR)
    if site.kind == "unreadable":
        return f"the module's azapi requirement is not a literal ({site.file}:{site.line})"
    if site.kind == "value":
        raised = raise_floor(site.constraint or "", AZAPI_FLOOR)
        if raised is None:
            return f'the module requires azapi "{site.constraint}", which admits no version from {floor} ({site.file}:{site.line})'
        return site, (None if raised == site.constraint else raised)
    if site.kind in ("entry", "block") and _string_entries(module_files, site):
        return f"the module's required_providers uses Terraform 0.12 syntax ({site.file}:{site.line})"
    return site, f"~> {AZAPI_FLOOR[0]}.{AZAPI_FLOOR[1]}"


def _string_entries(files: dict[str, bytes], site: ConstraintSite) -> bool:
    """The required_providers block at `site` lists plain strings (`azurerm = "~> 2.0"`): Terraform
    0.12, which knows no `source`."""
    if site.kind != "entry":
        return False  # "block": the module has no required_providers to take the syntax from
    node = hcl.parse(files[site.file]).root_node.descendant_for_byte_range(site.start, site.start)
    while node is not None and node.type != "block":
        node = node.parent
    entries = [hcl.expression_of(n) for _, n in hcl.attributes(hcl.body_of(node) if node is not None else None)]
    return any(e is not None and hcl.string_content(e) is not None for e in entries)


def foreign_azapi_pins(files: dict[str, bytes], module_files: dict[str, bytes]) -> str | None:
    """Why the configuration cannot take azapi 2.5 (another module of the deployment requires less);
    None when nothing stands in the way. Terraform intersects every module's constraints."""
    for relpath, body in sorted(files.items()):
        if relpath in module_files or b"azapi" not in body or b"required_providers" not in body or not relpath.endswith(".tf"):
            continue
        site = find_site({relpath: body}, relpath, "azapi")
        if site.kind == "unreadable":
            return f"the azapi requirement in {relpath}:{site.line} is not a literal"
        if site.kind == "value":
            parsed = parse_constraint(site.constraint or "", relpath)
            if parsed is None or parsed.high <= AZAPI_FLOOR:
                return f'{relpath}:{site.line} requires azapi "{site.constraint}", below {format_version(AZAPI_FLOOR)}'
    return None


_JSON_OUTPUT = re.compile(rb"jsondecode\(\s*(?:data\.)?azapi_\w+\.[\w-]+(?:\[[^\]]*\])?\.output\b")


def azapi_1x_code(files: dict[str, bytes]) -> str | None:
    """Why the configuration's own azapi code is written for azapi 1.x, which the update's azapi 2.5
    would break: a `body` given as a string (`jsonencode(...)`, a heredoc) or an `output` read with
    jsondecode. azapi 2.0 takes only HCL objects there (facts 6.1), so those resources would fail
    the plan though the fix never touched them. None when there is none."""
    for relpath, body in sorted(files.items()):
        if b"azapi_" not in body or not relpath.endswith(".tf"):
            continue
        decoded = _JSON_OUTPUT.search(body)
        if decoded:
            line = body.count(b"\n", 0, decoded.start()) + 1
            return f"{relpath}:{line} reads an azapi output with jsondecode (azapi 1.x; 2.x returns an object)"
        root = hcl.body_of(hcl.parse(body).root_node)
        for block in hcl.blocks(root):
            if block.type not in ("resource", "data") or not block.labels or not block.labels[0].startswith("azapi_"):
                continue
            node = hcl.attribute(block.body, "body")
            expression = hcl.expression_of(node) if node is not None else None
            if expression is not None and _is_text(expression):
                return (f"{relpath}:{node.start_point[0] + 1} gives {block.labels[0]}.{block.labels[1] if len(block.labels) > 1 else ''} "
                        "its body as a string (azapi 1.x; azapi 2.x, which the update needs, takes only an HCL object)")
    return None


def _is_text(expression) -> bool:
    """A body that is JSON text: jsonencode(...), a heredoc or a quoted string."""
    text = hcl.text(expression).lstrip()
    return text.startswith(("jsonencode(", "<<", '"'))


def terraform_too_old(files: dict[str, bytes]) -> str | None:
    """azapi 2.x serves plugin protocol 6 (terraform-plugin-framework providerserver), which Terraform
    reads from 1.0: a `required_version` that admits nothing from 1.0 on stands in the way."""
    for relpath, body in sorted(files.items()):
        if b"required_version" not in body or not relpath.endswith(".tf"):
            continue
        root = hcl.body_of(hcl.parse(body).root_node)
        for block in (b for b in hcl.blocks(root) if b.type == "terraform"):
            node = hcl.attribute(block.body, "required_version")
            text = hcl.string_content(hcl.expression_of(node)) if node is not None and hcl.expression_of(node) is not None else None
            parsed = parse_constraint(text, relpath) if text else None
            if parsed is not None and parsed.high <= (1, 0, 0):
                return f'{relpath} requires Terraform "{text}", and azapi 2.x needs Terraform >= 1.0'
    return None


def credential_blocks(files: dict[str, bytes]) -> list[tuple[str, int, list[str]]] | str:
    """(file, end byte, argument names) of each default `provider "azurerm"` block whose credentials
    azapi must be given too; [] where none sets any, or where a `provider "azapi"` block exists already
    (the user configured it). A string: why the credentials cannot be repeated."""
    out = []
    configured = False
    for relpath, body in sorted(files.items()):
        if b"provider" not in body or not relpath.endswith(".tf"):
            continue
        root = hcl.body_of(hcl.parse(body).root_node)
        for block in hcl.blocks(root):
            if block.type != "provider" or not block.labels:
                continue
            if block.labels[0] == "azapi":
                configured = True
                continue
            if block.labels[0] != "azurerm" or hcl.attribute(block.body, "alias") is not None:
                continue
            names = [name for name, _ in hcl.attributes(block.body) if name not in AZURERM_ONLY]
            names += [b.type for b in hcl.blocks(block.body) if b.type not in AZURERM_ONLY]
            foreign = [n for n in names if n not in SHARED_ARGUMENTS]
            if foreign:
                return f"provider \"azurerm\" in {relpath} sets {', '.join(foreign)}, which azapi does not take under that name"
            if any("\n" in hcl.text(node).strip() for name, node in hcl.attributes(block.body) if name in SHARED_ARGUMENTS):
                return f"provider \"azurerm\" in {relpath} sets a credential over several lines"
            if names:
                out.append((relpath, block.node.end_byte, names))
    return [] if configured else out


def provider_edit(body: bytes, end: int, newline: bytes) -> Edit:
    """`provider "azapi"` after the azurerm block ending at `end`, repeating its shared arguments'
    source text (expressions included) in their order."""
    root = hcl.body_of(hcl.parse(body).root_node)
    block = next(b for b in hcl.blocks(root) if b.type == "provider" and b.node.end_byte == end)
    rows = [(name, hcl.text(hcl.expression_of(node)).strip().encode()) for name, node in hcl.attributes(block.body)
            if name in SHARED_ARGUMENTS and hcl.expression_of(node) is not None]
    return Edit(end, end, newline * 2 + b'provider "azapi" {' + newline + editor.aligned(rows, hcl.indent_unit(body), newline) + b"}")
