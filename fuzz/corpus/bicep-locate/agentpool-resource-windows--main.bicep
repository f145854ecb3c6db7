resource aks 'Microsoft.ContainerService/managedClusters@2024-05-01' = {
  name: 'aks'
  location: 'westeurope'
  properties: {
    dnsPrefix: 'aks'
    networkProfile: {
      networkPlugin: 'azure'
    }
  }
}

resource win 'Microsoft.ContainerService/managedClusters/agentPools@2024-05-01' = {
  parent: aks
  name: 'win22'
  properties: {
    osType: 'Windows'
    count: 2
  }
}
