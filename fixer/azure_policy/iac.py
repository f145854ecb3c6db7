"""The definition and an assignment as infrastructure-as-code text: Terraform (azurerm) or Bicep.

Both are rendered from definition.definition(), the one source of truth: Terraform carries the rule,
parameters and metadata as JSON heredocs (byte for byte what `--format json` prints), Bicep as an
object literal. Pure: data in, text out. The caller checks that the text re-parses before writing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from fixer.azure_policy.definition import DEFINITION_NAME, EFFECTS, definition

FORMS = ("terraform", "bicep")


@dataclass(frozen=True)
class Scope:
    """Where the definition and its assignment live: the subscription Terraform runs in, or a
    management group (its name; Bicep takes the group from the deployment command)."""

    management_group: str | None = None

    @property
    def kind(self) -> str:
        return "management-group" if self.management_group else "subscription"


_MANAGEMENT_GROUP = re.compile(r"^[A-Za-z0-9\-_().]{1,90}$")  # Azure's rule for a management group's name


def check_management_group(name: str) -> str:
    if not _MANAGEMENT_GROUP.match(name) or name.endswith("."):
        raise ValueError(f"--management-group: not a management group name: {name!r}")
    return name


def _heredoc(value: dict, indent: str) -> str:
    """JSON as a Terraform indented heredoc; `${` and `%{` escaped so nothing is interpolated."""
    text = json.dumps(value, indent=2).replace("${", "$${").replace("%{", "%%{")
    body = "\n".join(f"{indent}  {line}" for line in text.splitlines())
    return f"<<-JSON\n{body}\n{indent}JSON"


def _hcl_string(value: str) -> str:
    return json.dumps(value).replace("${", "$${").replace("%{", "%%{")


def terraform(effect: str, allowed_engines: tuple[str, ...], scope: Scope) -> str:
    """A standalone root module: the definition, the assignment, the two inputs as variables."""
    document = definition(allowed_engines)["properties"]
    group = scope.management_group
    at = "data.azurerm_management_group.scope.id"
    lines = [
        "# The custom Azure Policy definition written by `akfix azure-policy`, and its assignment:",
        "# AKS clusters whose networkProfile.networkPolicy is absent, \"none\", \"\" or not an allowed engine",
        "# are reported (Audit) or refused (Deny). Apply it on its own: `terraform init && terraform apply`.",
        "terraform {",
        "  required_providers {",
        "    azurerm = {",
        "      source  = \"hashicorp/azurerm\"",
        "      version = \">= 3.0\"",
        "    }",
        "  }",
        "}",
        "",
        "provider \"azurerm\" {",
        "  features {}",
        "}",
        "",
        "variable \"effect\" {",
        "  description = \"Audit reports non-compliant clusters, Deny refuses them, Disabled turns the policy off.\"",
        "  type        = string",
        f"  default     = {_hcl_string(effect)}",
        "",
        "  validation {",
        f"    condition     = contains({json.dumps(list(EFFECTS))}, var.effect)",
        "    error_message = \"The effect must be Audit, Deny or Disabled.\"",
        "  }",
        "}",
        "",
        "variable \"allowed_engines\" {",
        "  description = \"Network-policy engines that count as compliant.\"",
        "  type        = list(string)",
        f"  default     = {json.dumps(list(allowed_engines))}",
        "}",
        "",
    ]
    if group:
        lines += ["data \"azurerm_management_group\" \"scope\" {", f"  name = {_hcl_string(group)}", "}", ""]
    else:
        lines += ["data \"azurerm_subscription\" \"current\" {}", ""]
    definition_attributes = [
        ("name", _hcl_string(DEFINITION_NAME)),
        ("policy_type", _hcl_string(document["policyType"])),
        ("mode", _hcl_string(document["mode"])),
        ("display_name", _hcl_string(document["displayName"])),
        ("description", _hcl_string(document["description"])),
    ]
    if group:
        definition_attributes.append(("management_group_id", at))
    lines += ["resource \"azurerm_policy_definition\" \"aks_network_policy\" {"]
    lines += _aligned(definition_attributes)
    lines += [
        "",
        f"  metadata = {_heredoc(document['metadata'], '  ')}",
        "",
        f"  parameters = {_heredoc(document['parameters'], '  ')}",
        "",
        f"  policy_rule = {_heredoc(document['policyRule'], '  ')}",
        "}",
        "",
    ]
    assignment = "azurerm_management_group_policy_assignment" if group else "azurerm_subscription_policy_assignment"
    assignment_attributes = [
        ("name", _hcl_string(DEFINITION_NAME)),
        ("management_group_id" if group else "subscription_id", at if group else "data.azurerm_subscription.current.id"),
        ("policy_definition_id", "azurerm_policy_definition.aks_network_policy.id"),
        ("display_name", _hcl_string(document["displayName"])),
    ]
    lines += [f"resource \"{assignment}\" \"aks_network_policy\" {{"]
    lines += _aligned(assignment_attributes)
    lines += [
        "",
        "  parameters = jsonencode({",
        "    effect         = { value = var.effect }",
        "    allowedEngines = { value = var.allowed_engines }",
        "  })",
        "}",
    ]
    return "\n".join(lines) + "\n"


def _aligned(attributes: list[tuple[str, str]]) -> list[str]:
    """Attribute lines with their `=` aligned, as `terraform fmt` writes them."""
    width = max(len(name) for name, _ in attributes)
    return [f"  {name.ljust(width)} = {value}" for name, value in attributes]


# ---- Bicep ----

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


_BICEP_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def bicep_string(value: str) -> str:
    """A Bicep string literal that reads back as `value`: quotes, backslashes and `${` escaped,
    any other unprintable character as `\\u{hex}`. A slash that would open `//` or `/*` where
    tree-sitter-bicep starts a new token (the string's start, after an escape, whitespace or one of
    `#$'/\\`) is written `\\u{2F}`: tree-sitter-bicep takes it for a comment there, though the Bicep
    compiler reads the string fine (`'//'` failed to parse; found by the property test)."""
    out: list[str] = []
    fresh = True  # the next character starts a token: the string's start, or right after an escape
    for index, char in enumerate(value):
        following = value[index + 1:index + 2]
        if char == "/" and following in ("/", "*") and (fresh or out[-1] in "#$'/\\" or out[-1].isspace()):
            piece, fresh = "\\u{2F}", True
        elif char == "$" and following == "{":
            piece, fresh = "\\$", True
        elif char in _BICEP_ESCAPES or not char.isprintable():
            piece, fresh = _BICEP_ESCAPES.get(char) or f"\\u{{{ord(char):X}}}", True
        else:
            piece, fresh = char, False
        out.append(piece)
    return "'" + "".join(out) + "'"


def _bicep_key(key: str) -> str:
    return key if _IDENTIFIER.match(key) else bicep_string(key)  # Bicep takes keywords (if, type) as property names


def bicep_value(value, indent: str = "") -> str:
    """A JSON value as a Bicep literal: multi-line objects and arrays, one item per line."""
    inner = indent + "  "
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = "\n".join(f"{inner}{_bicep_key(k)}: {bicep_value(v, inner)}" for k, v in value.items())
        return "{\n" + items + f"\n{indent}}}"
    if isinstance(value, list):
        if not value:
            return "[]"
        items = "\n".join(f"{inner}{bicep_value(v, inner)}" for v in value)
        return "[\n" + items + f"\n{indent}]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    return bicep_string(str(value))


def bicep(effect: str, allowed_engines: tuple[str, ...], scope: Scope) -> str:
    document = definition(allowed_engines)["properties"]
    target = "managementGroup" if scope.management_group else "subscription"
    deploy = ("az deployment mg create --management-group-id <group>" if scope.management_group
              else "az deployment sub create") + " --location <region> --template-file <this file>"
    lines = [
        "// The custom Azure Policy definition written by `akfix azure-policy`, and its assignment:",
        "// AKS clusters whose networkProfile.networkPolicy is absent, 'none', '' or not an allowed engine",
        f"// are reported (Audit) or refused (Deny). Deploy it on its own: `{deploy}`.",
        f"targetScope = '{target}'",
        "",
        "@description('Audit reports non-compliant clusters, Deny refuses them, Disabled turns the policy off.')",
        f"@allowed({bicep_value(list(EFFECTS))})",
        f"param effect string = {bicep_string(effect)}",
        "",
        "@description('Network-policy engines that count as compliant.')",
        f"param allowedEngines array = {bicep_value(list(allowed_engines))}",
        "",
        "resource definition 'Microsoft.Authorization/policyDefinitions@2023-04-01' = {",
        f"  name: {bicep_string(DEFINITION_NAME)}",
        f"  properties: {bicep_value(document, '  ')}",
        "}",
        "",
        "resource assignment 'Microsoft.Authorization/policyAssignments@2024-04-01' = {",
        f"  name: {bicep_string(DEFINITION_NAME)}",
        "  properties: {",
        "    policyDefinitionId: definition.id",
        f"    displayName: {bicep_string(document['displayName'])}",
        "    parameters: {",
        "      effect: {",
        "        value: effect",
        "      }",
        "      allowedEngines: {",
        "        value: allowedEngines",
        "      }",
        "    }",
        "  }",
        "}",
    ]
    return "\n".join(lines) + "\n"


def render(form: str, effect: str, allowed_engines: tuple[str, ...], scope: Scope) -> str:
    return (terraform if form == "terraform" else bicep)(effect, allowed_engines, scope)
