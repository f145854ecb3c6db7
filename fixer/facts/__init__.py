"""Facts the code cannot say about a live cluster: `terraform show -json` plans and state
(plan_json.py) and, later, Azure inventories and Resource Graph.

May import fixer.model and fixer.versions; the formats and the pipeline import facts, never
the other way round.
"""
