param envs array = ['a', 'b']

resource clusters 'Microsoft.ContainerService/managedClusters@2024-05-01' = [for env in envs: {
  name: 'aks-${env}'
  location: 'westeurope'
  properties: {
    agentPoolProfiles: [
      {
        name: 'win'
        osType: 'Windows'
      }
    ]
    networkProfile: {
      networkPlugin: 'azure'
    }
  }
}]

output t resourceInput<'Microsoft.ContainerService/managedClusters@2024-05-01'>.properties = {}
