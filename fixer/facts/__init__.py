"""Facts: what the code cannot say about a live cluster.

Which plugin a cluster without a network_profile runs, whether someone switched an engine on
outside the code, which clusters no code declares at all: that comes from outside the repository.
`terraform show -json` plans and state (plan_json), inventories written by `az aks list|show` or
`az graph query` (inventory), Azure Resource Graph itself (resource_graph; the Azure SDK is
imported there only, and only for --from-azure). `match` ties those facts to the clusters found in
code, `drift` and `live_only` say what they reveal, and `plan_gate` judges a plan's planned values
as clusters of their own.

May import fixer.model and fixer.versions; the formats, the pipeline and the command line import
facts, never the other way round.
"""
