// cluster
#disable-next-line BCP037
resource aks 'Microsoft.ContainerService/managedClusters@2024-05-01' = {
  name: 'aks'
  location: 'westeurope'
  properties: {
    /* network */
    networkProfile: { // Azure CNI
      networkPlugin: 'azure' // the plugin
      // no policy yet
      networkPluginMode: 'overlay'
    }
  }
}
