import * as shared from 'shared.bicep'
import { tags } from 'tags.bicep'
extension kubernetes with {
  namespace: 'default'
  kubeConfig: ''
}

resource aks 'Microsoft.ContainerService/managedClusters@2024-05-01' = {
  name: 'aks'
  location: 'westeurope'
  properties: {
    networkProfile: {
      networkPlugin: 'azure'
      networkPluginMode: 'overlay'
    }
  }
}
