environment         = "prod"
resource_group_name = "rg-apps-prod"
network_policy      = "" # TODO: choose an engine before go-live
