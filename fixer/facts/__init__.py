"""Facts: what the code cannot say.

The live side of a cluster -- which plugin it runs when the code has no network_profile, whether
someone switched an engine on outside the code, which clusters no code declares at all -- comes
from outside the repository: `terraform show -json` (plan_json), inventories written by `az aks
list|show` or `az graph query` (inventory), Azure Resource Graph itself (resource_graph). `match`
ties those facts to the clusters found in code, `drift` and `live_only` say what they reveal, and
`plan_gate` judges a plan's planned values as clusters of their own.

May import fixer.model, fixer.versions and fixer.plan (the planner's pure rules); never a format's
parser, the pipeline or the command line. The Azure SDK is imported only by resource_graph, and
only when --from-azure is used.
"""
