param settings object = {}

resource aks 'Microsoft.ContainerService/managedClusters@2024-05-01' = {
  name: 'aks'
  location: 'westeurope'
  properties: {
    kubernetesVersion: settings.?version!
    nodeResourceGroup: settings.?nodeRg ?? 'rg-nodes'
    networkProfile: {
      networkPlugin: 'azure'
      networkPluginMode: 'overlay'
    }
  }
}
