resource "azapi_resource" "team_ns" {
  type      = "Microsoft.ContainerService/managedClusters/managedNamespaces@2026-03-01"
  name      = "team-a"
  parent_id = azurerm_kubernetes_cluster.shared.id

  body = {
    properties = {
      defaultNetworkPolicy = {
        ingress = "AllowSameNamespace"
        egress  = "AllowAll"
      }
    }
  }
}

output "network_policy" {
  value = data.azurerm_kubernetes_cluster.shared.network_profile[0].network_policy
}

data "azurerm_kubernetes_cluster" "shared" {
  name                = "aks-shared"
  resource_group_name = "rg-shared"
}
