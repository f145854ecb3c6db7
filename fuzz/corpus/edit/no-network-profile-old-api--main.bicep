param location string = 'westeurope'

resource aks 'Microsoft.ContainerService/managedClusters@2022-11-01' = {
  name: 'aks-old'
  location: location
  properties: {
    dnsPrefix: 'old'
    networkProfile: {
      networkPlugin: 'azure'
    }
  }
}
