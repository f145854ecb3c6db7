"""Pool-only templates: the clusters they add agent pools to, by name (fixer/formats/pool_targets.py)."""

from __future__ import annotations

import json

from fixer.formats.pool_targets import pool_targets

_POOL = "'Microsoft.ContainerService/managedClusters/agentPools@2024-05-01'"
_CLUSTER = "'Microsoft.ContainerService/managedClusters@2024-05-01'"


def test_a_bicep_pool_names_its_existing_parent():
    body = f"""resource aks {_CLUSTER} existing = {{
  name: 'AKS-Shop'
}}

resource win {_POOL} = {{
  parent: aks
  name: 'win1'
  properties: {{
    osType: 'Windows'
  }}
}}
""".encode()
    assert pool_targets("pool.bicep", body) == frozenset({"aks-shop"})


def test_an_unread_name_may_be_any_cluster():
    body = f"""param clusterName string

resource aks {_CLUSTER} existing = {{
  name: clusterName
}}

resource win {_POOL} = {{
  parent: aks
  name: 'win1'
}}

resource spot {_POOL} = {{
  name: 'aks-two/spot'
}}
""".encode()
    assert pool_targets("pool.bicep", body) == frozenset({None, "aks-two"})


def test_a_template_that_declares_its_cluster_is_no_pool_only_template():
    body = f"""resource aks {_CLUSTER} = {{
  name: 'aks'
  location: 'westeurope'
}}

resource win {_POOL} = {{
  parent: aks
  name: 'win1'
}}
""".encode()
    assert pool_targets("main.bicep", body) is None
    assert pool_targets("main.bicep", b"resource sa 'Microsoft.Storage/storageAccounts@2023-01-01' = {\n  name: 'x'\n}\n") is None


def test_arm_pools_name_their_cluster_before_the_slash():
    def template(*resources):
        return json.dumps({"resources": list(resources)}).encode()

    pool = {"type": "Microsoft.ContainerService/managedClusters/agentPools", "name": "aks-orders/win1"}
    computed = {"type": "Microsoft.ContainerService/managedClusters/agentPools", "name": "[concat(parameters('c'), '/win1')]"}
    assert pool_targets("pool.json", template(pool)) == frozenset({"aks-orders"})
    assert pool_targets("pool.json", template(pool, computed)) == frozenset({"aks-orders", None})
    cluster = {"type": "Microsoft.ContainerService/managedClusters", "name": "aks-orders"}
    assert pool_targets("main.json", template(cluster, pool)) is None
    nested = {"type": "Microsoft.Resources/deployments", "name": "pools", "properties": {"template": {"resources": [pool]}}}
    assert pool_targets("outer.json", template(nested)) == frozenset({"aks-orders"})
    assert pool_targets("broken.json", b'{"resources": [ agentPools') is None
