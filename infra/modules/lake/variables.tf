variable "name_prefix" {
  description = "Prefix for every named resource (bucket, workgroup). Lowercase letters, digits and hyphens."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-32 characters of lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "bucket_name" {
  description = "Name of the lake bucket. Null derives \"<name_prefix>-lake-<account id>-<region>\"."
  type        = string
  default     = null

  validation {
    condition     = var.bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)."
  }
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for the bucket and Athena results. Null uses SSE-S3 (AES256)."
  type        = string
  default     = null

  validation {
    # The same pattern everywhere a kms_key_arn is taken: a key ARN, never an alias (IAM policies and
    # key grants name keys by key ARN; an alias ARN in a policy's Resource matches nothing).
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-f0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "force_destroy" {
  description = "Allow terraform destroy to delete a non-empty bucket and workgroup. Keep false outside sandboxes."
  type        = bool
  default     = false
}

variable "glue_database_name" {
  description = "Name of the Glue database that holds the Iceberg and staging tables."
  type        = string

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,254}$", var.glue_database_name))
    error_message = "glue_database_name must match ^[a-z_][a-z0-9_]*$ (Athena lowercases identifiers)."
  }
}

variable "athena_bytes_scanned_cutoff_per_query" {
  description = "Athena cancels a query of this workgroup once it scans more bytes than this (minimum 10 MB)."
  type        = number
  default     = 10737418240

  validation {
    condition     = var.athena_bytes_scanned_cutoff_per_query >= 10485760
    error_message = "athena_bytes_scanned_cutoff_per_query must be at least 10485760 (10 MB), the Athena minimum."
  }
}

variable "merge_bytes_scanned_cutoff_per_query" {
  description = "Bytes-scanned cutoff of the merge workgroup (MERGE, OPTIMIZE, VACUUM). A MERGE reads the target partitions its batch may touch, which grow with the table (docs/COST.md); size this from that, not from the query limit."
  type        = number
  default     = 107374182400

  validation {
    condition     = var.merge_bytes_scanned_cutoff_per_query >= 10485760
    error_message = "merge_bytes_scanned_cutoff_per_query must be at least 10485760 (10 MB), the Athena minimum."
  }
}

variable "lake_formation" {
  description = "The Glue database is governed by AWS Lake Formation. Adds lakeformation:GetDataAccess to every role the modules create and to query_policy_json; the Lake Formation grants themselves are yours to make (infra/README.md, \"Lake Formation\")."
  type        = bool
  default     = false
}

variable "athena_results_expiration_days" {
  description = "Days after which objects under athena-results/ expire."
  type        = number
  default     = 7

  validation {
    condition     = var.athena_results_expiration_days >= 1 && floor(var.athena_results_expiration_days) == var.athena_results_expiration_days
    error_message = "athena_results_expiration_days must be a whole number of days, at least 1."
  }
}

variable "quarantine_expiration_days" {
  description = "Days after which quarantined records under quarantine/ expire. Long enough to investigate and replay."
  type        = number
  default     = 30

  validation {
    condition     = var.quarantine_expiration_days >= 7 && floor(var.quarantine_expiration_days) == var.quarantine_expiration_days
    error_message = "quarantine_expiration_days must be a whole number of days, at least 7."
  }
}

variable "tags" {
  description = "Tags added to every resource that takes tags."
  type        = map(string)
  default     = {}
}
