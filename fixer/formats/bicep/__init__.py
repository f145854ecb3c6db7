"""Bicep: `Microsoft.ContainerService/managedClusters` resources in .bicep files and values from
params, vars and .bicepparam files. syntax.py tokenises (robust to constructs newer than any
grammar), template.py finds clusters and writes edits, readback.py re-reads results with
tree-sitter-bicep, adapter.py plugs Bicep into the shared PUT loop (formats/put.py).

May import fixer.formats' shared modules, fixer.plan, fixer.edit and below.
"""
