variable "environment" {
  type = string
}

variable "location" {
  type    = string
  default = "westeurope"
}

variable "resource_group_name" {
  type = string
}

variable "network_policy" {
  type        = string
  default     = null
  description = "Network policy engine for the apps cluster."

  validation {
    condition     = var.network_policy == null || contains(["azure", "calico"], var.network_policy)
    error_message = "network_policy must be azure or calico."
  }
}
