module "aks" {
  source  = "Azure/avm-res-containerservice-managedcluster/azurerm"
  version = "0.3.3"

  name      = "aks-avm"
  location  = "westeurope"
  parent_id = azurerm_resource_group.main.id
}
