param deploy bool = true

resource aks 'Microsoft.ContainerService/managedClusters@2024-05-01' = if (deploy) {
  name: 'aks'
  location: 'westeurope'
  properties: {
    networkProfile: {
      networkPlugin: 'azure'
      networkPluginMode: 'overlay'
    }
  }

  resource pool 'agentPools' = {
    name: 'user'
    properties: {
      osType: 'Linux'
    }
  }
}
