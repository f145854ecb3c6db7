module "aks" {
  source  = "Azure/aks/azurerm"
  version = "11.5.0"

  resource_group_name = azurerm_resource_group.main.name
  prefix              = "platform"
  network_plugin      = "azure"
  rbac_aad            = false
}
