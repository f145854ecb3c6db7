# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.

provider "registry.terraform.io/hashicorp/azurerm" {
  version     = "3.117.0"
  constraints = "~> 3.100"
  hashes = [
    "h1:Ynfg+Iy7x6K8M0W9Qp0jX2Hnq8yXk0pCKN0r3qmTQyE=",
  ]
}
