"""Terraform: `azurerm_kubernetes_cluster`, AKS `azapi_resource` and known AKS module calls, in
HCL and .tf.json, located with tree-sitter-hcl and read back with python-hcl2.

Order of the modules, lowest first: hcl (syntax tree helpers) -> decls (what one file declares)
-> azapi, modules (readers of those block kinds) -> locate (one file) -> module (a folder,
overrides merged) -> values, resolve, workspace, versions -> editor, readback, tfjson ->
adapter (find -> plan -> edit -> verify).

May import fixer.formats' shared modules, fixer.plan, fixer.facts, fixer.edit and below.
"""
