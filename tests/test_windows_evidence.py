"""Windows node pools found in a deployment's text (fixer/formats/windows_evidence.py): the places a
locator cannot tie to one cluster, and the resource blocks that are never evidence."""

from __future__ import annotations

from fixer.formats.windows_evidence import windows_evidence


def test_a_module_call_passing_a_windows_pool_is_evidence():
    caller = b'module "aks" {\n  source = "Azure/aks/azurerm"\n  node_pools = {\n    win = { os_type = "Windows" }\n  }\n}\n'
    assert windows_evidence({"live/main.tf": caller}) == ('live/main.tf:4 (win = { os_type = "Windows" })',)


def test_resource_blocks_and_unrelated_modules_are_not_evidence():
    body = (b'resource "azurerm_service_plan" "web" {\n  os_type = "Windows"\n}\n\n'
            b'module "jumpbox" {\n  source  = "Azure/compute/azurerm"\n  os_type = "Windows"\n}\n')
    assert windows_evidence({"main.tf": body}) == ()


def test_local_modules_variables_and_tfvars_are_evidence():
    files = {
        "main.tf": b'module "pools" {\n  source  = "./pools"\n  os_type = "Windows"\n}\n',
        "variables.tf": b'variable "pool_os_type" {\n  default = "Linux"\n}\n',
        "prod.tfvars": b'pools = [{ name = "win", os_sku = "Windows2022" }]\n',
    }
    assert windows_evidence(files) == ('main.tf:3 (os_type = "Windows")', 'prod.tfvars:1 (pools = [{ name = "win", os_sku = "Windows2022" }])')


def test_bicep_params_vars_and_module_calls():
    template = (b"var pools = [\n  {\n    name: 'win'\n    osType: 'Windows'\n  }\n]\n\n"
                b"resource vm 'Microsoft.Compute/virtualMachines@2024-03-01' = {\n  properties: {\n    osType: 'Windows'\n  }\n}\n")
    params = b"using './main.bicep'\n\nparam osType = 'windows'\n"
    found = windows_evidence({"main.bicep": template, "prod.bicepparam": params})
    assert found == ("main.bicep:4 (osType: 'Windows')", "prod.bicepparam:3 (param osType = 'windows')")


def test_arm_parameters_files():
    params = b'{\n  "parameters": {\n    "osType": {\n      "value": "Windows"\n    }\n  }\n}\n'
    assert windows_evidence({"azuredeploy.parameters.json": params}) == ("azuredeploy.parameters.json:3 (osType: Windows)",)
    assert windows_evidence({"azuredeploy.parameters.json": params.replace(b"Windows", b"Linux")}) == ()


def test_linux_and_prose_are_not_evidence():
    body = (b'variable "os_type" {\n  description = "Possible values are `Linux` and `Windows`."\n  default     = "Linux"\n}\n'
            b'locals {\n  windows_enabled = false\n}\n')
    assert windows_evidence({"variables.tf": body}) == ()


def test_arm_template_pools_in_variables_count_and_a_vm_disk_does_not():
    template = (b'{\n  "variables": {"pools": [{"name": "win", "osType": "Windows"}]},\n  "resources": [\n'
                b'    {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-03-01",\n'
                b'     "properties": {"storageProfile": {"osDisk": {"osType": "Windows"}}}},\n'
                b'    {"type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2024-05-01",\n'
                b'     "properties": {"agentPoolProfiles": "[variables(\'pools\')]"}}\n  ]\n}\n')
    assert windows_evidence({"azuredeploy.json": template}) == ("azuredeploy.json:2 (osType: Windows)",)
    vm_only = template.replace(b'"osType": "Windows"}]', b'"osType": "Linux"}]', 1)
    assert windows_evidence({"azuredeploy.json": vm_only}) == ()


def test_python_enums_anywhere_and_os_keys():
    program = (b"POOLS = {'sys': containerservice.OSType.LINUX, 'win': containerservice.OSType.WINDOWS}\n"
               b"disk = compute.OSDiskArgs(os_type=compute.OperatingSystemTypes.WINDOWS)\n"
               b"pool = {'name': 'w', 'os_type': 'Windows'}\n")
    found = windows_evidence({"__main__.py": program})
    assert [place.split(" ")[0] for place in found] == ["__main__.py:1", "__main__.py:3"]
    assert windows_evidence({"__main__.py": program.splitlines(keepends=True)[1]}) == ()  # a VM disk is no node pool


def test_an_azapi_agent_pool_is_evidence_an_azapi_vm_is_not():
    pool = (b'resource "azapi_resource" "win" {\n  type = "Microsoft.ContainerService/managedClusters/agentPools@2024-05-01"\n'
            b'  body = {\n    properties = {\n      osType = "Windows"\n    }\n  }\n}\n')
    assert windows_evidence({"pools.tf": pool}) == ('pools.tf:5 (osType = "Windows")',)
    vm = pool.replace(b"Microsoft.ContainerService/managedClusters/agentPools", b"Microsoft.Compute/virtualMachines")
    assert windows_evidence({"vm.tf": vm}) == ()


def test_python_vm_disks_and_service_plans_are_not_evidence():
    program = (b'plan = azure.appservice.ServicePlan("plan", os_type="Windows", sku_name="P1v3")\n'
               b'vm = azure.compute.VirtualMachine("vm", storage_os_disk=azure.compute.VirtualMachineStorageOsDiskArgs(\n'
               b'    name="disk", os_type="Windows"))\n'
               b'pool = containerservice.AgentPool("win", os_type="Windows")\n')
    assert [place.split(" ")[0] for place in windows_evidence({"__main__.py": program})] == ["__main__.py:4"]


def test_commented_out_pools_are_not_evidence_but_a_trailing_comment_after_code_is():
    hcl = (b'variable "pools" {\n  default = [{\n    # os_type = "Windows"\n    // os_sku = "Windows2022"\n  }]\n}\n'
           b'/*\n  os_type = "Windows"\n*/\nlocals {\n  glob = "Microsoft.Storage/*"\n  os_type = "Windows"\n  end = "*/"\n}\n')
    assert windows_evidence({"main.tf": hcl}) == ('main.tf:12 (os_type = "Windows")',)  # a `/*` in a string hides nothing
    bicep = b"var pools = [\n  {\n    // osType: 'Windows'\n  }\n  /* { osType: 'Windows' } */\n]\nvar b = { osType: 'Windows' } // kept\n"
    assert windows_evidence({"main.bicep": bicep}) == ("main.bicep:7 (var b = { osType: 'Windows' } // kept)",)
    python = b"pools = [\n    # dict(os_type='Windows'),\n    dict(name='win', os_type='Windows'),\n]\n"
    assert windows_evidence({"__main__.py": python}) == ("__main__.py:3 (dict(name='win', os_type='Windows'),)",)


def test_a_whole_windows_string_is_evidence_whatever_its_key_but_not_in_a_list_of_allowed_values():
    hcl = (b'variable "apps_os" {\n  default = "Windows"\n  validation {\n    condition = contains(["Linux", "Windows"], var.apps_os)\n'
           b'    error_message = "Linux or Windows"\n  }\n}\n')
    assert windows_evidence({"main.tf": hcl}) == ('main.tf:2 (default = "Windows")',)
    bicep = b"@allowed([\n  'Linux'\n  'Windows'\n])\nparam poolOs string = 'Linux'\n@description('Windows or Linux')\nparam other string = 'x'\n"
    assert windows_evidence({"main.bicep": bicep}) == ()
    assert windows_evidence({"main.bicep": bicep.replace(b"= 'Linux'", b"= 'Windows2022'")}) == ("main.bicep:5 (param poolOs string = 'Windows2022')",)


def test_members_of_a_bicep_union_type_are_not_evidence():
    bicep = b"type pool = {\n  osSKU: (\n    | 'Ubuntu'\n    | 'Windows2019'\n    | 'Windows2022')?\n  osType: 'Linux' | 'Windows'\n}\n"
    assert windows_evidence({"main.bicep": bicep}) == ()


def test_agent_pool_resources_count_only_in_foreign_files():
    """A called module's agentPools child (no locator ties it to the cluster) is evidence; in the
    cluster's own template the locator reads it, so the text is not counted twice."""
    from fixer.formats.windows_evidence import windows_evidence

    pool = (b"resource pool 'Microsoft.ContainerService/managedClusters/agentPools@2024-05-01' = {\n"
            b"  name: 'win1'\n  properties: {\n    osType: 'Windows'\n  }\n}\n")
    assert windows_evidence({"modules/pool.bicep": pool}) == ()
    assert windows_evidence({"modules/pool.bicep": pool}, foreign=frozenset({"modules/pool.bicep"})) == (
        "modules/pool.bicep:4 (osType: 'Windows')",)
    vm = pool.replace(b"Microsoft.ContainerService/managedClusters/agentPools", b"Microsoft.Compute/virtualMachines")
    assert windows_evidence({"modules/vm.bicep": vm}, foreign=frozenset({"modules/vm.bicep"})) == ()  # a VM is no pool


def test_a_local_bicep_module_call_passing_windows_counts():
    from fixer.formats.windows_evidence import windows_evidence

    call = b"module win 'winpool.bicep' = {\n  name: 'w'\n  params: {\n    poolOsType: 'Windows'\n  }\n}\n"
    assert windows_evidence({"main.bicep": call}) == ("main.bicep:4 (poolOsType: 'Windows')",)
    registry = call.replace(b"'winpool.bicep'", b"'br/public:avm/res/compute/virtual-machine:0.1.0'")
    assert windows_evidence({"main.bicep": registry}) == ()  # a registry VM module's OS is no pool's


def test_pulumi_stack_config_naming_a_windows_pool_counts():
    from fixer.formats.windows_evidence import windows_evidence

    stack = b"config:\n  app:pools:\n    - name: win1\n      osType: Windows\n    # - osType: Windows (an old pool)\n"
    assert windows_evidence({"Pulumi.prod.yaml": stack}) == ("Pulumi.prod.yaml:4 (osType: Windows)",)
    assert windows_evidence({"Pulumi.dev.yaml": stack.replace(b"osType: Windows\n    #", b"osType: Linux\n    #")}) == ()


def test_inline_windows_pools_are_named_by_line_and_once():
    from fixer.formats.bicep.template import locate_bicep

    body = b"""param osType string

resource aks 'Microsoft.ContainerService/managedClusters@2024-05-01' = {
  name: 'aks'
  properties: {
    agentPoolProfiles: [
      {
        name: 'win'
        osType: 'Windows'
      }
      {
        name: 'user'
        osType: osType
        enableAutoScaling: true
      }
    ]
  }
}
"""
    (cluster,) = locate_bicep(body, "main.bicep", [])
    # a line, not a byte offset; `osType: osType` once, for its own param (not the next key's)
    assert cluster.windows_pools == ("agentPoolProfiles (line 9)", "agentPoolProfiles (osType reads param osType, which nothing in the tree sets)")


def test_windows_versions_are_read_for_calico_and_allowed_lists_are_not_pools():
    from fixer.formats.windows_evidence import _file_skus
    assert _file_skus(b'os_sku = "Windows2025"\n') == ("Windows2025",)
    assert _file_skus(b"osSKU: 'windows2022'\n") == ("Windows2022",)
    assert _file_skus(b"os_sku=OSSKU.WINDOWS2025\n") == ("Windows2025",)
    assert _file_skus(b'validation { condition = contains(["Ubuntu", "Windows2019", "Windows2025"], var.sku) }\n') == ()
    assert _file_skus(b"type sku = 'Ubuntu' | 'Windows2025'\n") == ()
    assert _file_skus(b'os_type = "Windows"\n') == ()  # no version named: the default (2022 from Kubernetes 1.25)
