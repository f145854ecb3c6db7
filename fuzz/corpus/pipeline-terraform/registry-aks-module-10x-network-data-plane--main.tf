module "aks" {
  source  = "Azure/aks/azurerm"
  version = "10.2.0"

  resource_group_name = azurerm_resource_group.main.name
  prefix              = "platform"
  network_plugin      = "azure"
  network_plugin_mode = "overlay"
  network_data_plane  = "azure"
  rbac_aad            = false
}
