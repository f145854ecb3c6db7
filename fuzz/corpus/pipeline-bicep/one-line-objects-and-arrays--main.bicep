resource aks 'Microsoft.ContainerService/managedClusters@2024-05-01' = {
  name: 'aks'
  location: 'westeurope'
  properties: {
    identityProfile: { kubeletidentity: { resourceId: 'x' } }
    agentPoolProfiles: [ { name: 'sys', mode: 'System', osType: 'Linux' } ]
    networkProfile: {
      networkPlugin: 'azure'
      networkPluginMode: 'overlay'
    }
  }
}
