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
      agentPoolProfiles = [
        { name = "system", mode = "System", osType = "Linux" },
        { name = "win", mode = "User", osType = "Windows" },
      ]
      networkProfile = {
        networkPlugin     = "azure"
        networkPluginMode = "overlay"
      }
    }
  }
}
