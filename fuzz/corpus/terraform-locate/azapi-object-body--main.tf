resource "azapi_resource" "aks" {
  type      = "Microsoft.ContainerService/managedClusters@2024-02-01"
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
