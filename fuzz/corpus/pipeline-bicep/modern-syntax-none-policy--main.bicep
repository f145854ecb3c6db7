import { tags as sharedTags } from 'shared/types.bicep'
extension microsoftGraphV1

metadata description = 'AKS cluster for the platform team'

@description('Cluster name')
@minLength(3)
param clusterName string = 'aks-platform'

@allowed([
  'azure'
  'calico'
])
param networkPolicy string = 'calico'

param location string = resourceGroup().location
param pools array = []

type poolSpec = {
  @description('pool name')
  name: string
  count: int?
}

var suffix = uniqueString(resourceGroup().id)
var defaults = {
  ...sharedTags
  owner: 'platform'
}
var names = map(pools, p => '${p.name}-${suffix}')
var maybe = pools[?0].?name ?? 'none'
var sql = '''
SELECT * FROM x WHERE y = '}' -- braces in a multi-line string
'''

#disable-next-line BCP081
resource existingVnet 'Microsoft.Network/virtualNetworks@2023-04-01' existing = {
  name: 'vnet'
}

resource aks 'Microsoft.ContainerService/managedClusters@2024-05-01' = if (!empty(clusterName)) {
  name: clusterName
  location: location
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    dnsPrefix: '${clusterName}-dns'   // interpolation with a } inside: '${'}'}'
    agentPoolProfiles: [
      {
        name: 'system'
        count: 3
        vmSize: 'Standard_D4s_v5'
        osType: 'Linux'
        mode: 'System'
      }
    ]
    networkProfile: {
      networkPlugin: 'azure'
      networkPluginMode: 'overlay'
      /* the engine is chosen by the platform team */
      networkPolicy: 'none'
    }
  }
}

output id string = aks.id
