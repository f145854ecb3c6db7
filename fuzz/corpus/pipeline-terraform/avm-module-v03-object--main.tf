module "aks" {
  source  = "Azure/avm-res-containerservice-managedcluster/azurerm"
  version = "0.3.3"

  name      = "aks-avm"
  location  = "westeurope"
  parent_id = azurerm_resource_group.main.id
  network_profile = {
    network_plugin      = "azure"
    network_plugin_mode = "overlay"
    network_policy      = ""
  }
}
