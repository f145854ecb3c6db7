# AKS cluster for the payments team
resource "azurerm_kubernetes_cluster" "main" { # owner: payments
  name                = "aks-payments" # prod
  location            = "westeurope"
  resource_group_name = "rg-payments"
  dns_prefix          = "payments"
  /* block comment
     spanning lines */
  default_node_pool {
    name       = "system"
    node_count = 2
    vm_size    = "Standard_D4s_v5"
  }

  identity {
    type = "SystemAssigned"
  }

  network_profile {
    # the plugin must match the live cluster
    network_plugin      = "azure"     # Azure CNI
    network_plugin_mode = "overlay"   # pods from pod_cidr
    // network_policy = "calico"
  } # end network_profile
}
