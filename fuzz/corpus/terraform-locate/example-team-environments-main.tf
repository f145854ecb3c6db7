resource "azurerm_kubernetes_cluster" "apps" {
  name                = "aks-apps-${var.environment}"
  location            = var.location
  resource_group_name = var.resource_group_name
  dns_prefix          = "apps-${var.environment}"

  default_node_pool {
    name       = "system"
    node_count = 3
    vm_size    = "Standard_D4s_v5"
  }

  identity {
    type = "SystemAssigned"
  }

  network_profile {
    network_plugin      = "azure"
    network_plugin_mode = "overlay"
    network_policy      = var.network_policy
  }
}
