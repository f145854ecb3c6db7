resource "azapi_resource" "aks" {
  type      = "Microsoft.ContainerService/managedClusters@${var.aks_api_version}"
  name      = "aks-azapi"
  location  = "westeurope"
  parent_id = azurerm_resource_group.main.id

  identity {
    type = "SystemAssigned"
  }

  body = {
    properties = {
      dnsPrefix         = "azapi"
      kubernetesVersion = "1.31"
      networkProfile = {
        networkPlugin     = "azure"
        networkPluginMode = "overlay"
      }
    }
  }
}
