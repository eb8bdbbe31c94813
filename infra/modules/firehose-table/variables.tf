variable "table" {
  description = "One table of the Terraform export of your declarations file (`ddb-athena-sync export-terraform` writes ddb-athena-sync.terraform.json; pass `jsondecode(file(...)).tables.<name>`); extra keys are ignored."
  type = object({
    name = string
    mode = string
    # The declaration as the transform reads it (one line of JSON; its SHA-256 is checked at cold start).
    declaration = string
    dynamodb = object({
      table_name    = string
      partition_key = string
      sort_key      = optional(string)
      ttl_attribute = optional(string)
      # DynamoDB type (S, N, B) of each key attribute, computed by the schemas export from the columns.
      attribute_types = map(string)
    })
    key_columns  = list(string)
    partitioning = optional(list(string), [])
    columns = list(object({
      name         = string
      type         = string
      iceberg_type = optional(string)
    }))
    table_properties = optional(map(string), {})
    firehose = object({
      append_only                = bool
      buffering_interval_seconds = optional(number, 300)
      buffering_size_mb          = optional(number, 64)
    })
  })

  validation {
    condition     = var.table.mode == "firehose"
    error_message = "firehose-table only deploys declarations with mode = \"firehose\"; use merge-table for mode = \"merge\"."
  }

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]*$", var.table.name))
    error_message = "table.name must match ^[a-z_][a-z0-9_]*$."
  }

  validation {
    condition     = var.table.firehose.buffering_interval_seconds >= 0 && var.table.firehose.buffering_interval_seconds <= 900 && var.table.firehose.buffering_size_mb >= 1 && var.table.firehose.buffering_size_mb <= 128
    error_message = "table.firehose.buffering_interval_seconds must be 0-900 and buffering_size_mb 1-128."
  }

  validation {
    condition     = length(var.table.key_columns) > 0 && alltrue([for k in var.table.key_columns : contains([for c in var.table.columns : c.name], k)])
    error_message = "table.key_columns must be non-empty and name declared columns (Firehose unique keys)."
  }

  validation {
    condition     = try(jsondecode(var.table.declaration).name == var.table.name && jsondecode(var.table.declaration).mode == var.table.mode, false)
    error_message = "table.declaration must be the JSON declaration of this table (same name and mode): re-run ddb-athena-sync export-terraform."
  }
}

variable "declaration_delivery" {
  description = "How the transform gets the table's declaration: `auto` (environment variable while its variables fit Lambda's 4 KB, else an S3 object under declarations/<table>/ in the lake bucket), `environment` or `s3`."
  type        = string
  default     = "auto"

  validation {
    condition     = contains(["auto", "environment", "s3"], var.declaration_delivery)
    error_message = "declaration_delivery must be auto, environment or s3."
  }
}

variable "name_prefix" {
  description = "Prefix for every named resource of this table (stream, delivery stream, function, roles)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-32 characters of lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "lake" {
  description = "The lake this table lives in: the `lake` output of the lake module."
  type = object({
    bucket_name           = string
    bucket_arn            = string
    kms_key_arn           = optional(string)
    glue_catalog_arn      = string
    glue_database_name    = string
    glue_database_arn     = string
    athena_workgroup_name = string
    athena_workgroup_arn  = string
    merge_workgroup_name  = optional(string)
    merge_workgroup_arn   = optional(string)
    # The lake's tables are governed by Lake Formation: Firehose's role also needs lakeformation:GetDataAccess.
    lake_formation = optional(bool, false)
  })

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:::", var.lake.bucket_arn)) && can(regex("^arn:aws[a-z-]*:athena:", var.lake.athena_workgroup_arn)) && can(regex("^arn:aws[a-z-]*:glue:", var.lake.glue_catalog_arn))
    error_message = "lake.bucket_arn, lake.athena_workgroup_arn and lake.glue_catalog_arn must be ARNs of their services."
  }
}

variable "lambda_runtime" {
  description = "Lambda runtime of the transform function. The code is built to the Node 20 baseline."
  type        = string
  default     = "nodejs22.x"

  validation {
    condition     = can(regex("^nodejs[0-9]+\\.x$", var.lambda_runtime))
    error_message = "lambda_runtime must be a Node.js runtime identifier such as nodejs22.x."
  }
}

variable "lambda_architecture" {
  description = "Instruction set of the transform function."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.lambda_architecture)
    error_message = "lambda_architecture must be arm64 or x86_64."
  }
}

variable "log_level" {
  description = "LOG_LEVEL of the transform function (Powertools logger)."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARN", "ERROR"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARN or ERROR."
  }
}

variable "log_retention_days" {
  description = "Retention of the function and delivery stream log groups."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }
}

variable "alarm_actions" {
  description = "ARNs (SNS topics) notified when an alarm fires or recovers."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.alarm_actions : can(regex("^arn:aws[a-z-]*:", a))])
    error_message = "alarm_actions must be ARNs."
  }
}

variable "tags" {
  description = "Tags added to every resource that takes tags."
  type        = map(string)
  default     = {}
}

variable "create_dynamodb_table" {
  description = "Create the source DynamoDB table (on-demand). False uses an existing table by name."
  type        = bool
  default     = false
}

variable "firehose_transform_zip" {
  description = "Path of the firehose-transform deployment package (apps/firehose-transform/dist/firehose-transform.zip)."
  type        = string

  validation {
    condition     = endswith(var.firehose_transform_zip, ".zip")
    error_message = "firehose_transform_zip must be the path of a .zip file."
  }
}

variable "transform" {
  description = "firehose-transform function settings. Firehose invokes it with up to 6 MB of records; the timeout must stay within Firehose's 5 minute processor limit."
  type = object({
    memory_size = optional(number, 512)
    timeout     = optional(number, 60)
  })
  default = {}

  validation {
    condition     = var.transform.timeout >= 1 && var.transform.timeout <= 300
    error_message = "transform.timeout must be 1-300 seconds."
  }
}

variable "kinesis_retention_hours" {
  description = "Retention of the Kinesis data stream (24-8760 hours)."
  type        = number
  default     = 24

  validation {
    condition     = var.kinesis_retention_hours >= 24 && var.kinesis_retention_hours <= 8760
    error_message = "kinesis_retention_hours must be 24-8760."
  }
}

variable "alarm_thresholds" {
  description = "Alarm thresholds: how far (ms) Firehose may lag behind the Kinesis stream."
  type = object({
    millis_behind_latest = optional(number, 900000)
  })
  default = {}
}

variable "force_destroy" {
  description = "Let terraform destroy delete the source DynamoDB table this module created, by turning its deletion protection off. Keep false outside sandboxes."
  type        = bool
  default     = false
}

variable "table_optimizers" {
  description = "Glue table optimizers on the Iceberg table: compaction (service default, binpack), snapshot retention (from the declaration's vacuum_* properties, expired files deleted) and orphan file deletion. Firehose does none of these itself."
  type = object({
    enabled                    = optional(bool, true)
    orphan_file_retention_days = optional(number, 3)
  })
  default = {}

  validation {
    condition     = var.table_optimizers.orphan_file_retention_days >= 1
    error_message = "table_optimizers.orphan_file_retention_days must be at least 1 (a file younger than a running write's duration must never count as orphan)."
  }
}
