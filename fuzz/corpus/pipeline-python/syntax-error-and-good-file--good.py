from pulumi_azure_native import containerservice

containerservice.ManagedCluster("good", resource_group_name="rg", network_profile={"network_plugin": "azure", "network_plugin_mode": "overlay"})
