"""Small repositories for the suppression, baseline and configuration tests, and a way to run
`fixer.cli.main` and read what it printed."""

from __future__ import annotations

import json
from pathlib import Path

from fixer.cli import main

LOCK = '''provider "registry.terraform.io/hashicorp/azurerm" {
  version     = "4.59.0"
  constraints = "~> 4.0"
}
'''


def tf_cluster(name: str, policy: str | None = None, *, header: str = "", profile: str = "", value: str = "") -> str:
    """An azurerm cluster on overlay; `header`/`profile`/`value`: text after the header's `{`, the
    network_profile's `{`, and the policy value (a trailing comment, say)."""
    policy_line = f'    network_policy      = "{policy}"{value}\n' if policy is not None else ""
    return f'''resource "azurerm_kubernetes_cluster" "{name}" {{{header}
  name                = "{name}"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "{name}"

  default_node_pool {{
    name       = "system"
    node_count = 2
    vm_size    = "Standard_D4s_v5"
  }}

  identity {{
    type = "SystemAssigned"
  }}

  network_profile {{{profile}
    network_plugin      = "azure"
    network_plugin_mode = "overlay"
{policy_line}  }}
}}
'''


def bicep_cluster(name: str, policy: str | None = None, *, header: str = "", profile: str = "", value: str = "") -> str:
    policy_line = f"      networkPolicy: '{policy}'{value}\n" if policy is not None else ""
    return f'''resource {name} 'Microsoft.ContainerService/managedClusters@2024-05-01' = {{{header}
  name: '{name}'
  location: 'westeurope'
  properties: {{
    dnsPrefix: '{name}'
    networkProfile: {{{profile}
      networkPlugin: 'azure'
      networkPluginMode: 'overlay'
{policy_line}    }}
  }}
}}
'''


PULUMI_PRELUDE = "from pulumi_azure_native.containerservice import ContainerServiceNetworkProfileArgs, ManagedCluster\n\n"
PULUMI_REQUIREMENTS = "pulumi>=3.0.0,<4.0.0\npulumi-azure-native==3.5.1\n"


def python_cluster(name: str, policy: str | None = None, *, header: str = "", profile: str = "", value: str = "") -> str:
    """A Pulumi azure-native cluster (needs PULUMI_PRELUDE above it in the file)."""
    policy_line = f'        network_policy="{policy}",{value}\n' if policy is not None else ""
    return f'''{name} = ManagedCluster({header}
    "{name}",
    resource_group_name="rg",
    network_profile=ContainerServiceNetworkProfileArgs({profile}
        network_plugin="azure",
        network_plugin_mode="overlay",
{policy_line}    ),
)
'''


def arm_template(*names: str) -> str:
    resources = [{
        "type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2024-05-01", "name": name,
        "location": "westeurope", "properties": {"dnsPrefix": name, "networkProfile": {"networkPlugin": "azure", "networkPluginMode": "overlay"}},
    } for name in names]
    return json.dumps({"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                       "contentVersion": "1.0.0.0", "resources": resources}, indent=2) + "\n"


def make_repo(root: Path, files: dict[str, str]) -> Path:
    """A folder with a `.git` (so configuration discovery stops here) holding `files`."""
    (root / ".git").mkdir(parents=True, exist_ok=True)
    for relpath, text in files.items():
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def run(capsys, *argv: str) -> tuple[int, dict | str, str]:
    """(exit code, the JSON document or stdout text, stderr) of one `akfix` command line."""
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    out: dict | str = captured.out
    if "--format" in argv and "json" in argv:
        out = json.loads(captured.out)
    return code, out, captured.err


def findings(document: dict) -> list[str]:
    """Addresses of the clusters still reported without a working engine."""
    return [c["address"] for c in document["clusters"] if c["status"] != "compliant"]


def suppressed(document: dict) -> list[str]:
    return [c["address"] for c in document["suppressed"]]
