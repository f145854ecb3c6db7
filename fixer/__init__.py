"""akfix: find AKS clusters without a network-policy engine in IaC and fix them safely."""

__version__ = "0.1.0"
