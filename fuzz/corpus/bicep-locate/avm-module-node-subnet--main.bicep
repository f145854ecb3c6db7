module aks 'br/public:avm/res/container-service/managed-cluster:0.10.1' = {
  name: 'aks-deployment'
  params: {
    name: 'aks-avm'
    primaryAgentPoolProfiles: [
      {
        name: 'system'
        count: 3
        vmSize: 'Standard_D4s_v5'
        mode: 'System'
      }
    ]
    networkPlugin: 'azure'
    networkPolicy: ''
  }
}
