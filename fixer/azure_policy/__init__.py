"""`akfix azure-policy`: a custom Azure Policy definition that flags AKS clusters without an allowed
network-policy engine, for clusters that never pass through a pipeline (the portal, `az aks create`).

- definition.py: the definition and its assignment parameters as data (pure functions).
- evaluate.py:   a small evaluator of the policy-rule operators the definition uses, so tests and
                 the command can prove what the rule flags (absent, "none", "", a disallowed engine).
- iac.py:        the definition and an assignment as Terraform (azurerm) or Bicep text.
- command.py:    where the file goes, safe writes (a person's edits kept), the report.

May import: fixer.model, fixer.discover, fixer.edit (atomic writes, terraform fmt), fixer.report.text
(the diff), fixer.kustomize.paths (paths inside the repository), fixer.kustomize.render (the
generated-file header) and the read-back parsers (fixer.formats.terraform.hcl, fixer.formats.bicep.readback).
Nothing imports it but the CLI (fixer.cli.main).
"""
