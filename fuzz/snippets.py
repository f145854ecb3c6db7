"""Pieces of each format the structure-aware mutator splices in: the constructs the locators and
editors special-case (comments, heredocs, one-line blocks, interpolation, CRLF, escapes)."""

HCL = [
    b'resource "azurerm_kubernetes_cluster" "x" {',
    b'resource "azurerm_kubernetes_cluster" "x" {\n  name = "x"\n}',
    b'resource "azurerm_kubernetes_cluster_node_pool" "w" {\n  kubernetes_cluster_id = azurerm_kubernetes_cluster.x.id\n  os_type = "Windows"\n}',
    b'resource "azapi_resource" "a" {\n  type = "Microsoft.ContainerService/managedClusters@2023-01-01"\n  body = {\n    properties = {\n    }\n  }\n}',
    b'module "aks" {\n  source = "Azure/aks/azurerm"\n  version = "9.1.0"\n}',
    b"network_profile {", b"network_profile { network_plugin = \"azure\" }", b"network_profile {\n}",
    b'dynamic "network_profile" {', b"default_node_pool {", b"lifecycle {\n  ignore_changes = [network_profile]\n}",
    b'network_policy = "none"', b'network_policy = ""', b"network_policy = var.p", b'network_plugin = "azure"',
    b'network_plugin_mode = "overlay"', b'network_data_plane = "azure"', b'ebpf_data_plane = "cilium"',
    b'outbound_type = "userDefinedRouting"', b'kubernetes_version = "1.29"',
    b'variable "p" {\n  default = "none"\n}', b'locals {\n  p = "none"\n}',
    # for_each instances and dynamic blocks (values.py Each, resolve.py instance and dynamic views)
    b"for_each = var.clusters", b"for_each = { for c in var.l : c.name => c }", b'for_each = toset(["a", "b"])',
    b"network_policy = each.value.network_policy", b"network_policy = try(each.value.p, null)", b"name = each.key",
    b'variable "clusters" {\n  default = { a = { network_policy = null }, b = {} }\n}', b'l = [{ name = "a" }, { name = "a" }]',
    b"content {", b"iterator = np", b"for_each = var.p == null ? [] : [var.p]", b"network_policy = network_profile.value.policy",
    # conditions decided per run (values.py _condition): !, &&, ||, parentheses, x != null on objects
    b"for_each = each.value.np != null ? [each.value.np] : []", b'(var.a == "x" || var.b) && !var.c ? "azure" : null',
    b"!(var.p == null)", b" && ", b" || ", b"np = null", b'np = { network_plugin = "azure" }',
    b"{", b"}", b"[", b"]", b"(", b")", b'"', b"=", b",", b"# c", b"// c", b"/* c */", b"/*", b"*/",
    b"<<EOT\nx\nEOT", b"<<-EOT\n  y\n  EOT", b"${var.x}", b"%{ if true }a%{ endif }", b"jsonencode({})",
    b"\t", b"  ", b"\r\n", b"\xef\xbb\xbf", b"\xc3\xa9", b"\\", b'\\"',
]

BICEP = [
    b"resource aks 'Microsoft.ContainerService/managedClusters@2024-05-01' = {",
    b"resource aks 'Microsoft.ContainerService/managedClusters@2024-05-01' = {\n  name: 'aks'\n  properties: {\n  }\n}",
    b"resource p 'Microsoft.ContainerService/managedClusters/agentPools@2024-05-01' = {\n  parent: aks\n  properties: {\n    osType: 'Windows'\n  }\n}",
    b"module m 'br/public:avm/res/container-service/managed-cluster:0.1.0' = {\n  params: {\n  }\n}",
    b"properties: {", b"networkProfile: {", b"networkProfile: {}", b"networkProfile: { networkPlugin: 'azure' }",
    b"networkPolicy: 'none'", b"networkPolicy: ''", b"networkPolicy: p", b"networkPlugin: 'azure'",
    b"networkPluginMode: 'overlay'", b"networkDataplane: 'azure'", b"agentPoolProfiles: [\n  {\n    osType: 'Windows'\n  }\n]",
    b"param p string = 'none'", b"var v = 'none'", b"@allowed([\n  'none'\n])", b"existing", b"= if (cond) {",
    b"[for i in range(0, 2): {", b"[for (c, i) in clusters: if (c.on) {", b"networkPolicy: c.networkPolicy",
    b"param clusters array = [\n  {\n    networkPolicy: 'none'\n  }\n]", b"]", b"{", b"}", b"[", b"]", b"(", b")", b"'", b":", b",", b"@", b"// c", b"/* c */",
    b"/*", b"*/", b"'''\nmulti\n'''", b"'${x}'", b"'a\\'b'", b"?.", b"!", b"??", b"...", b"=>", b"#disable-next-line x",
    b"\t", b"  ", b"\r\n", b"\xef\xbb\xbf", b"\xc3\xa9", b"\\",
]

JSON = [
    b'{"type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2023-01-01", "name": "aks", "properties": {}}',
    b'"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",',
    b'"resources": [', b'"resources": {', b'"properties": {', b'"networkProfile": {', b'"networkProfile": {},',
    b'"networkPolicy": "none",', b'"networkPolicy": "",', b'"networkPolicy": "[parameters(\'p\')]",',
    b'"networkPlugin": "azure",', b'"networkPluginMode": "overlay",', b'"networkDataplane": "azure",',
    b'"parameters": {"p": {"type": "string", "defaultValue": "none", "allowedValues": ["none"]}},',
    b'"variables": {"v": "none"},', b'"existing": true,', b'"type": "Microsoft.Resources/deployments",',
    b'"template": {', b'"expressionEvaluationOptions": {"scope": "inner"},', b'"osType": "Windows"',
    b"{", b"}", b"[", b"]", b'"', b":", b",", b"null", b"true", b"1e5", b"-0", b"// c", b"/* c */", b"/*", b"*/",
    b'"\\u00e9"', b'"\\"', b'"\\ud800"', b"\t", b"  ", b"\r\n", b"\xef\xbb\xbf", b"\xc3\xa9",
]

PYTHON = [
    b"from pulumi_azure_native import containerservice\n", b"import pulumi_azure_native as azure_native\n",
    b"from pulumi_azure_native.containerservice import ManagedCluster, ContainerServiceNetworkProfileArgs, NetworkPolicy\n",
    b"from pulumi_azure_native.containerservice import *\n", b"import pulumi_azure as azure\n",
    b"from cdktf_cdktf_provider_azurerm.kubernetes_cluster import KubernetesCluster, KubernetesClusterNetworkProfile\n",
    b'containerservice.ManagedCluster("aks", network_profile=containerservice.ContainerServiceNetworkProfileArgs(',
    b'ManagedCluster("aks", network_profile={', b'azure.containerservice.KubernetesCluster("k", network_profile={',
    b'KubernetesCluster(self, "aks", network_profile=KubernetesClusterNetworkProfile(',
    b'containerservice.AgentPool("w", os_type="Windows")', b"**kwargs", b"profile = ", b"network_profile=profile",
    b'network_policy="none"', b"network_policy=''", b"network_policy=NetworkPolicy.NONE", b'"network_policy": "none"',
    b'"networkPolicy": "none"', b'network_plugin="azure"', b'network_plugin_mode="overlay"', b'network_dataplane="azure"',
    b"network_policy=p", b"def make(name, policy):\n    return ", b"for env in envs:\n    ", b"(", b")", b"{", b"}", b"[", b"]",
    b",", b":", b"=", b"# c", b'"""doc"""', b"'", b'"', b"\\\n", b"\n    ", b"\t", b"\r\n", b"\xef\xbb\xbf", b"\xc3\xa9",
]

ALL = HCL + BICEP + JSON
