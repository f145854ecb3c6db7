# Team "payments": an older cluster on azurerm 3.x.
resource "azurerm_kubernetes_cluster" "payments" {
  name                = "aks-payments"
  location            = "westeurope"
  resource_group_name = "rg-payments"
  dns_prefix          = "payments"

  default_node_pool {
    name          = "system"
    node_count    = 3
    vm_size       = "Standard_D4s_v5"
    pod_subnet_id = azurerm_subnet.pods.id
  }

  identity {
    type = "SystemAssigned"
  }

  network_profile {
    network_plugin = "azure"
    network_policy = "" # TODO: pick an engine
  }
}

resource "azurerm_kubernetes_cluster_node_pool" "windows" {
  name                  = "win22"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.payments.id
  vm_size               = "Standard_D4s_v5"
  os_type               = "Windows"
}
