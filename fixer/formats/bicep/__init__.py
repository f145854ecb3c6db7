"""Bicep: `Microsoft.ContainerService/managedClusters` resources in .bicep files and values from
params, vars and .bicepparam files. syntax.py tokenises (robust to constructs newer than any
grammar), template.py finds clusters and writes edits, expressions.py evaluates values,
modules.py reads local `module` calls (one view of a module file per caller), readback.py re-reads results with
tree-sitter-bicep, adapter.py plugs Bicep into the shared PUT loop (formats/put.py).

May import fixer.formats' shared modules, fixer.plan, fixer.edit and below.
"""
