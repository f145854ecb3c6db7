variable "network_policy" {
  type    = string
  default = null
}
