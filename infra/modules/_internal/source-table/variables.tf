variable "create" {
  description = "Create the table. False looks up an existing table of that name."
  type        = bool
}

variable "table_name" {
  description = "Name of the DynamoDB table."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.table_name))
    error_message = "table_name must be 3-255 letters, digits, underscores, hyphens or dots."
  }
}

variable "partition_key" {
  description = "Partition key attribute."
  type        = string
}

variable "sort_key" {
  description = "Sort key attribute, or null."
  type        = string
  default     = null
}

variable "ttl_attribute" {
  description = "TTL attribute, or null for no TTL."
  type        = string
  default     = null
}

variable "attribute_types" {
  description = "DynamoDB type (S, N or B) of each key attribute: `dynamodb.attribute_types` of the exported declaration."
  type        = map(string)

  validation {
    condition     = alltrue([for t in values(var.attribute_types) : contains(["S", "N", "B"], t)])
    error_message = "attribute_types values must be S, N or B."
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
