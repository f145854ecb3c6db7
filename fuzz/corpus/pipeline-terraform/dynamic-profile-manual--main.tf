resource "azurerm_kubernetes_cluster" "main" {
  name                = "aks-demo"
  location            = "westeurope"
  resource_group_name = "rg-demo"
  dns_prefix          = "demo"

  default_node_pool {
    name       = "system"
    node_count = 2
    vm_size    = "Standard_D4s_v5"
  }

  identity {
    type = "SystemAssigned"
  }

  dynamic "network_profile" {
    for_each = var.network_profile == null ? [] : [var.network_profile]
    content {
      network_plugin = network_profile.value.plugin
    }
  }
}
