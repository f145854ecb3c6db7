from pulumi_azure_native import containerservice

containerservice.ManagedCluster('aks', resource_group_name='rg', network_profile={'networkPlugin': 'azure', 'networkPluginMode': 'overlay', 'networkPolicy': 'none'})
