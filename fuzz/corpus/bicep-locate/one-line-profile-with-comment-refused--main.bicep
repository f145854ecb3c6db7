resource aks 'Microsoft.ContainerService/managedClusters@2024-05-01' = {
  name: 'aks'
  properties: {
    networkProfile: { networkPlugin: 'azure' /* cni */ }
  }
}
