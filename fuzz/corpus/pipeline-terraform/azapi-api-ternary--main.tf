resource "azapi_resource" "aks" {
  type      = var.preview ? "Microsoft.ContainerService/managedClusters@2023-01-02-preview" : "Microsoft.ContainerService/managedClusters@2022-11-01"
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
