variable "name_prefix" {
  description = "Prefix for every named resource of this table (functions, roles, queue, control table, schedules)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-32 characters of lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "table" {
  description = "One table of the Terraform export of your declarations file (`ddb-athena-sync export-terraform` writes ddb-athena-sync.terraform.json; pass `jsondecode(file(...)).tables.<name>`); extra keys are ignored."
  type = object({
    name = string
    mode = string
    # The declaration as the functions read it (one line of JSON; its SHA-256 is checked at cold start).
    declaration = string
    dynamodb = object({
      table_name    = string
      partition_key = string
      sort_key      = optional(string)
      ttl_attribute = optional(string)
      # DynamoDB type (S, N, B) of each key attribute, computed by the schemas export from the columns.
      attribute_types = map(string)
    })
    key_columns          = list(string)
    schedule             = string
    maintenance_schedule = string
    partitioning         = optional(list(string), [])
    columns = list(object({
      name         = string
      type         = string
      iceberg_type = optional(string)
    }))
    staging_table_name = string
    staging_columns = list(object({
      name = string
      type = string
    }))
    table_properties = optional(map(string), {})
  })

  validation {
    condition     = contains(["merge", "append"], var.table.mode)
    error_message = "merge-table only deploys declarations with mode = \"merge\" or \"append\"; use firehose-table for mode = \"firehose\"."
  }

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]*$", var.table.name)) && can(regex("^[a-z_][a-z0-9_]*$", var.table.staging_table_name))
    error_message = "table.name and table.staging_table_name must match ^[a-z_][a-z0-9_]*$."
  }

  validation {
    condition     = can(regex("^(rate\\([0-9]+ (minute|minutes|hour|hours|day|days)\\)|cron\\(.+\\))$", var.table.schedule)) && can(regex("^(rate\\([0-9]+ (minute|minutes|hour|hours|day|days)\\)|cron\\(.+\\))$", var.table.maintenance_schedule))
    error_message = "table.schedule and table.maintenance_schedule must be EventBridge Scheduler rate(...) or cron(...) expressions."
  }

  validation {
    condition     = length(var.table.key_columns) > 0 && alltrue([for k in var.table.key_columns : contains([for c in var.table.columns : c.name], k)])
    error_message = "table.key_columns must be non-empty and name declared columns."
  }

  validation {
    condition     = try(jsondecode(var.table.declaration).name == var.table.name && jsondecode(var.table.declaration).mode == var.table.mode, false)
    error_message = "table.declaration must be the JSON declaration of this table (same name and mode): re-run ddb-athena-sync export-terraform."
  }
}

variable "declaration_delivery" {
  description = "How the functions get the table's declaration: `auto` (environment variable while each function's variables fit Lambda's 4 KB, else an S3 object under declarations/<table>/ in the lake bucket), `environment` or `s3`."
  type        = string
  default     = "auto"

  validation {
    condition     = contains(["auto", "environment", "s3"], var.declaration_delivery)
    error_message = "declaration_delivery must be auto, environment or s3."
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
    # The workgroup for MERGE and maintenance, with its own bytes-scanned cutoff (lake module).
    merge_workgroup_name = optional(string)
    merge_workgroup_arn  = optional(string)
    # The lake's tables are governed by Lake Formation: every role also needs lakeformation:GetDataAccess.
    lake_formation = optional(bool, false)
  })

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:::", var.lake.bucket_arn)) && can(regex("^arn:aws[a-z-]*:athena:", var.lake.athena_workgroup_arn)) && can(regex("^arn:aws[a-z-]*:glue:", var.lake.glue_catalog_arn))
    error_message = "lake.bucket_arn, lake.athena_workgroup_arn and lake.glue_catalog_arn must be ARNs of their services."
  }
}

variable "create_dynamodb_table" {
  description = "Create the source DynamoDB table (on-demand, stream NEW_AND_OLD_IMAGES). False uses an existing table whose stream must already be enabled with NEW_AND_OLD_IMAGES."
  type        = bool
  default     = false
}

variable "stream_writer_zip" {
  description = "Path of the stream-writer deployment package (apps/stream-writer/dist/stream-writer.zip)."
  type        = string

  validation {
    condition     = endswith(var.stream_writer_zip, ".zip")
    error_message = "stream_writer_zip must be the path of a .zip file."
  }
}

variable "merger_zip" {
  description = "Path of the merger deployment package (apps/merger/dist/merger.zip)."
  type        = string

  validation {
    condition     = endswith(var.merger_zip, ".zip")
    error_message = "merger_zip must be the path of a .zip file."
  }
}

variable "lambda_runtime" {
  description = "Lambda runtime of both functions. The code is built to the Node 20 baseline."
  type        = string
  default     = "nodejs22.x"

  validation {
    condition     = can(regex("^nodejs[0-9]+\\.x$", var.lambda_runtime))
    error_message = "lambda_runtime must be a Node.js runtime identifier such as nodejs22.x."
  }
}

variable "lambda_architecture" {
  description = "Instruction set of both functions."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.lambda_architecture)
    error_message = "lambda_architecture must be arm64 or x86_64."
  }
}

variable "stream_writer" {
  description = "Stream-writer function and event source mapping settings. maximum_batching_window_in_seconds defaults to 5 for mode merge (freshness) and 300, the maximum, for mode append (fewer, larger staged objects: the merger compacts them anyway)."
  type = object({
    memory_size                        = optional(number, 512)
    timeout                            = optional(number, 60)
    batch_size                         = optional(number, 1000)
    maximum_batching_window_in_seconds = optional(number)
    maximum_retry_attempts             = optional(number, 10)
    maximum_record_age_in_seconds      = optional(number, 86400)
    parallelization_factor             = optional(number, 1)
    starting_position                  = optional(string, "TRIM_HORIZON")
  })
  default = {}

  validation {
    condition     = var.stream_writer.batch_size >= 1 && var.stream_writer.batch_size <= 10000 && coalesce(var.stream_writer.maximum_batching_window_in_seconds, 0) >= 0 && coalesce(var.stream_writer.maximum_batching_window_in_seconds, 0) <= 300
    error_message = "stream_writer.batch_size must be 1-10000 and maximum_batching_window_in_seconds 0-300."
  }

  validation {
    # Finite retries only: an infinite retry on a poison record blocks the shard until the record expires.
    condition     = var.stream_writer.maximum_retry_attempts >= 0 && var.stream_writer.maximum_retry_attempts <= 10000 && var.stream_writer.maximum_record_age_in_seconds >= 60 && var.stream_writer.maximum_record_age_in_seconds <= 604800
    error_message = "stream_writer.maximum_retry_attempts must be 0-10000 (finite) and maximum_record_age_in_seconds 60-604800."
  }

  validation {
    condition     = var.stream_writer.parallelization_factor >= 1 && var.stream_writer.parallelization_factor <= 10 && contains(["TRIM_HORIZON", "LATEST"], var.stream_writer.starting_position)
    error_message = "stream_writer.parallelization_factor must be 1-10 and starting_position TRIM_HORIZON or LATEST."
  }
}

variable "merger" {
  description = "Merger function settings. The timeout bounds one run (lease, MERGE batches, cleanup). reserved_concurrent_executions is off (null) by default: the lease already serialises mergers, and reserving fails on accounts without 100 unreserved executions."
  type = object({
    memory_size                    = optional(number, 512)
    timeout                        = optional(number, 300)
    reserved_concurrent_executions = optional(number)
  })
  default = {}

  validation {
    # 50 s: the merger keeps 20 s back for its journal and starts a batch only with 30 s left
    # (apps/merger config.ts SAFETY_MS and MIN_BATCH_BUDGET_MS); below that no batch could ever start.
    condition     = var.merger.timeout >= 50 && var.merger.timeout <= 900 && var.merger.memory_size >= 128 && var.merger.memory_size <= 10240
    error_message = "merger.timeout must be 50-900 seconds and merger.memory_size 128-10240 MB."
  }

  validation {
    condition     = var.merger.reserved_concurrent_executions == null || try(var.merger.reserved_concurrent_executions >= 1, false)
    error_message = "merger.reserved_concurrent_executions must be null (no reservation) or at least 1."
  }
}

variable "maintenance" {
  description = "Maintainer function settings (OPTIMIZE and VACUUM run on a function of their own, with the merger package)."
  type = object({
    timeout = optional(number, 900)
  })
  default = {}

  validation {
    condition     = var.maintenance.timeout >= 60 && var.maintenance.timeout <= 900
    error_message = "maintenance.timeout must be 60-900 seconds."
  }
}

variable "log_level" {
  description = "LOG_LEVEL of both functions (Powertools logger)."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARN", "ERROR"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARN or ERROR."
  }
}

variable "log_retention_days" {
  description = "Retention of the functions' CloudWatch log groups."
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

variable "alarm_thresholds" {
  description = "Alarm thresholds: freshness lag, stream iterator age and oldest staged object in milliseconds; hours without a successful maintenance run; hours a backfill guard may hold staged objects back."
  type = object({
    freshness_lag_ms          = optional(number, 300000)
    iterator_age_ms           = optional(number, 300000)
    oldest_staged_object_ms   = optional(number, 900000)
    maintenance_missing_hours = optional(number, 6)
    backfill_guard_held_hours = optional(number, 6)
  })
  default = {}

  validation {
    # The alarm evaluates N one-hour periods; CloudWatch limits an alarm's evaluation range to one day
    # at this period (CloudWatch User Guide, "Using Amazon CloudWatch alarms", evaluating an alarm).
    condition     = var.alarm_thresholds.maintenance_missing_hours >= 1 && var.alarm_thresholds.maintenance_missing_hours <= 24 && floor(var.alarm_thresholds.maintenance_missing_hours) == var.alarm_thresholds.maintenance_missing_hours
    error_message = "alarm_thresholds.maintenance_missing_hours must be a whole number of hours, 1-24."
  }

  validation {
    # Same one-day evaluation range at a one-hour period as above.
    condition     = var.alarm_thresholds.backfill_guard_held_hours >= 1 && var.alarm_thresholds.backfill_guard_held_hours <= 24 && floor(var.alarm_thresholds.backfill_guard_held_hours) == var.alarm_thresholds.backfill_guard_held_hours
    error_message = "alarm_thresholds.backfill_guard_held_hours must be a whole number of hours, 1-24."
  }
}

variable "force_destroy" {
  description = "Let terraform destroy delete the DynamoDB tables this module created (source and control), by turning their deletion protection off. Keep false outside sandboxes: the source table holds the data."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every resource that takes tags."
  type        = map(string)
  default     = {}
}
