resource "azapi_resource" "auto" {
  type      = "Microsoft.ContainerService/managedClusters@2025-10-01"
  name      = "aks-automatic"
  location  = "westeurope"
  parent_id = azurerm_resource_group.main.id

  body = {
    sku = {
      name = "Automatic"
      tier = "Standard"
    }
  }
}
