data "azurerm_kubernetes_cluster" "existing" {
  name                = "aks-shared"
  resource_group_name = "rg-shared"
}

resource "azurerm_kubernetes_automatic_cluster" "auto" {
  name                = "aks-auto"
  location            = "westeurope"
  resource_group_name = "rg-auto"
}

# resource "azurerm_kubernetes_cluster" "old" {
#   name = "aks-old"
# }

output "policy" {
  value = data.azurerm_kubernetes_cluster.existing.network_profile[0].network_policy
}
