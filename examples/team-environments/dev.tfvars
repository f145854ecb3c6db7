environment         = "dev"
resource_group_name = "rg-apps-dev"
network_policy      = "none"
