"""Formats: one package per IaC format, each turning files into Clusters, reading values back,
and editing them: terraform/ (HCL and .tf.json, azurerm, azapi, AKS modules), bicep/, arm/
(ARM JSON), python/ (Pulumi and CDK for Terraform).

Shared here by the formats that deploy with a PUT (ARM, Bicep, and azapi inside Terraform):
put.py (the find-plan-edit-verify loop of ARM and Bicep), put_names.py (the ARM names of the
network settings) and jsonspan.py (JSON with byte spans and comments).

May import fixer.plan, fixer.facts, fixer.edit, fixer.discover and below; never pipeline, report,
deliver or cli.
"""
