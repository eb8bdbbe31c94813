variable "create" {
  description = "Create the table. False looks up an existing table of that name."
  type        = bool
}

variable "dynamodb" {
  description = "The table's `dynamodb` block of the exported declaration: name, key attributes, TTL attribute, and the DynamoDB type (S, N or B) of each key attribute (`attribute_types`)."
  type = object({
    table_name      = string
    partition_key   = string
    sort_key        = optional(string)
    ttl_attribute   = optional(string)
    attribute_types = map(string)
  })

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.dynamodb.table_name))
    error_message = "dynamodb.table_name must be 3-255 letters, digits, underscores, hyphens or dots."
  }

  validation {
    condition     = alltrue([for t in values(var.dynamodb.attribute_types) : contains(["S", "N", "B"], t)])
    error_message = "dynamodb.attribute_types values must be S, N or B."
  }
}

variable "stream_required" {
  description = "The table needs a DynamoDB stream with NEW_AND_OLD_IMAGES (merge mode): created with it, or checked on an existing table."
  type        = bool
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for server-side encryption, or null for the AWS owned key."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-f0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "deletion_protection" {
  description = "Deletion protection of a created table. False lets terraform destroy delete it (and its data)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags added to a created table."
  type        = map(string)
  default     = {}
}
