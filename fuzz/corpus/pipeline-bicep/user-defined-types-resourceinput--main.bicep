type clusterProps = resourceInput<'Microsoft.ContainerService/managedClusters@2024-05-01'>.properties

@export()
type net = {
  @description('engine')
  policy: 'azure' | 'calico' | 'cilium'
}

resource aks 'Microsoft.ContainerService/managedClusters@2024-05-01' = {
  name: 'aks'
  location: 'westeurope'
  properties: {
    networkProfile: {
      networkPlugin: 'azure'
      networkPluginMode: 'overlay'
    }
  }
}
