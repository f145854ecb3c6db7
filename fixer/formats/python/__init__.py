"""Python IaC: Pulumi (azure-native, azure) and CDK for Terraform programs, read and edited with libcst.

kinds (classes by qualified name) -> packages (versions from locks and pins) -> locate, values
(libcst) -> transform (edits) -> adapter (find -> plan -> edit -> verify).

May import fixer.formats' shared modules, fixer.plan, fixer.edit and below.
"""
