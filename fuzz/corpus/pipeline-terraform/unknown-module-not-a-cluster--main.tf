module "k8s" {
  source = "git::https://example.com/platform/aks-cluster.git?ref=v1"
  name   = "aks"
}

resource "azurerm_kubernetes_cluster" "x" {
  name = "x"
  network_profile {
    network_plugin = "azure"
    network_policy = "calico"
  }
}
