param apiVersion string = '2022-11-01'

resource aks 'Microsoft.ContainerService/managedClusters@${apiVersion}' = {
  name: 'aks'
  location: 'westeurope'
  properties: {
    networkProfile: {
      networkPlugin: 'azure'
      networkPluginMode: 'overlay'
    }
  }
}
