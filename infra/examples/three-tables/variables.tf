variable "region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "eu-west-1"
}

variable "name_prefix" {
  description = "Prefix for every named resource."
  type        = string
  default     = "shop"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-22 characters of lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "lambda_zips" {
  description = "Paths of the three generic Lambda packages: one build serves every table (`pnpm build` writes apps/<app>/dist/<app>.zip)."
  type = object({
    stream_writer      = string
    merger             = string
    firehose_transform = string
  })
  default = {
    stream_writer      = "../../../apps/stream-writer/dist/stream-writer.zip"
    merger             = "../../../apps/merger/dist/merger.zip"
    firehose_transform = "../../../apps/firehose-transform/dist/firehose-transform.zip"
  }
}

variable "force_destroy" {
  description = "Let terraform destroy remove everything, data included (sandboxes only)."
  type        = bool
  default     = false
}
