"""Rule tables, as data with their sources (aks-network-facts.md): azurerm provider versions,
AKS API versions for PUT formats, and the Python IaC packages' bundled versions.

May import only fixer.versions.
"""
