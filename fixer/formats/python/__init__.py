"""Python IaC: Pulumi (azure-native, azure) and CDK for Terraform programs, read and edited with libcst."""
