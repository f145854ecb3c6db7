variable "aks_api_version" {
  type    = string
  default = "2022-11-01"
}
