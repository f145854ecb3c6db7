param envs array = ['dev']

resource clusters 'Microsoft.ContainerService/managedClusters@2024-05-01' = [for (env, i) in envs: {
  name: 'aks'
  location: 'westeurope'
  properties: {
    networkProfile: {
      networkPlugin: 'azure'
      networkPluginMode: 'overlay'
    }
  }
}]
