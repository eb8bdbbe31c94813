variable "kms_key_arn" {
  description = "Key ARN of the lake's KMS key, or null when the lake uses SSE-S3 (then `kms` has no statement)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-f0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:...:kms:<region>:<account>:key/<id>), not an alias."
  }
}

variable "lake_formation" {
  description = "Whether Lake Formation governs the lake's tables (then `lake_formation` grants lakeformation:GetDataAccess)."
  type        = bool
  default     = false
}
