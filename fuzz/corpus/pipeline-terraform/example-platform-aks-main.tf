resource "azurerm_resource_group" "aks" {
  name     = "rg-platform-aks"
  location = var.location
}

resource "azurerm_kubernetes_cluster" "main" {
  name                = "aks-platform-prod"
  location            = azurerm_resource_group.aks.location
  resource_group_name = azurerm_resource_group.aks.name
  dns_prefix          = "platform"
  kubernetes_version  = "1.31"

  default_node_pool {
    name           = "system"
    node_count     = 3
    vm_size        = "Standard_D4s_v5"
    vnet_subnet_id = azurerm_subnet.nodes.id
  }

  identity {
    type = "SystemAssigned"
  }

  # Azure CNI Overlay; pods get addresses from pod_cidr.
  network_profile {
    network_plugin      = "azure"
    network_plugin_mode = "overlay"
    pod_cidr            = "192.168.0.0/16"
    load_balancer_sku   = "standard" # required for AKS
  }

  tags = local.tags
}
