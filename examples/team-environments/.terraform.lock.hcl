# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.

provider "registry.terraform.io/hashicorp/azurerm" {
  version     = "4.59.0"
  constraints = "~> 4.59"
  hashes = [
    "h1:9yLkBhDOmNzK1nKzSc0c3nKSbaXzA4tEw7F6GxvXhNE=",
  ]
}
