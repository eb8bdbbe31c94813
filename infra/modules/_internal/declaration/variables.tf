variable "table_name" {
  description = "The table's name (table.name); the declaration must declare the same table."
  type        = string

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]*$", var.table_name))
    error_message = "table_name must match ^[a-z_][a-z0-9_]*$."
  }
}

variable "declaration" {
  description = "The declaration as the functions read it: table.declaration of the Terraform export (`ddb-athena-sync export-terraform`), one line of JSON."
  type        = string

  validation {
    condition     = can(jsondecode(var.declaration).name)
    error_message = "declaration must be the JSON of a table declaration (an object with a name); re-run ddb-athena-sync export-terraform."
  }
}

variable "delivery" {
  description = "How the functions get the declaration: `auto` (in the environment while every function's variables fit Lambda's 4 KB, else an S3 object), `environment` or `s3`."
  type        = string
  default     = "auto"

  validation {
    condition     = contains(["auto", "environment", "s3"], var.delivery)
    error_message = "delivery must be auto, environment or s3."
  }
}

variable "environments" {
  description = "The other environment variables of each function that gets the declaration: the 4 KB limit applies to each function's variables together."
  type        = list(map(string))
}

variable "bucket_name" {
  description = "The lake bucket, where the declaration object goes (under declarations/<table>/)."
  type        = string
}

variable "bucket_arn" {
  description = "ARN of the lake bucket."
  type        = string
}

variable "kms_key_arn" {
  description = "The lake's KMS key, if it has one: the declaration object is encrypted with it."
  type        = string
  default     = null

  validation {
    # The same pattern everywhere a kms_key_arn is taken (modules/lake/variables.tf says why).
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-f0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "tags" {
  description = "Tags of the declaration object."
  type        = map(string)
  default     = {}
}
