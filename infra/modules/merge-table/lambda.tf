# The functions: stream-writer, merger (merge action) and maintainer (maintain action, same package).
# Each comes with its log group and its own role from the internal lambda-function module.

module "stream_writer" {
  source = "../_internal/lambda-function"

  function_name      = "${local.name}-stream-writer"
  description        = "ddb-athena-sync: DynamoDB stream batch of ${var.table.name} -> one staging object."
  zip_path           = var.stream_writer_zip
  runtime            = var.lambda_runtime
  architecture       = var.lambda_architecture
  memory_size        = var.stream_writer.memory_size
  timeout            = var.stream_writer.timeout
  policy_json        = data.aws_iam_policy_document.stream_writer.json
  log_retention_days = var.log_retention_days

  environment = merge(local.stream_writer_environment, module.declaration.environment)

  tags = local.tags
}

resource "aws_lambda_event_source_mapping" "stream_writer" {
  function_name     = module.stream_writer.function_arn
  event_source_arn  = module.source_table.stream_arn
  starting_position = var.stream_writer.starting_position

  batch_size                         = var.stream_writer.batch_size
  maximum_batching_window_in_seconds = local.batching_window_seconds
  parallelization_factor             = var.stream_writer.parallelization_factor

  # Poison records: report partial failures, bisect, retry a bounded number of times, then hand the
  # batch's metadata to the on-failure queue so the shard keeps moving.
  function_response_types        = ["ReportBatchItemFailures"]
  bisect_batch_on_function_error = true
  maximum_retry_attempts         = var.stream_writer.maximum_retry_attempts
  maximum_record_age_in_seconds  = var.stream_writer.maximum_record_age_in_seconds

  destination_config {
    on_failure {
      destination_arn = aws_sqs_queue.on_failure.arn
    }
  }
}

locals {
  stream_writer_environment = {
    STAGING_BUCKET          = var.lake.bucket_name
    STAGING_PREFIX          = local.staging_prefix
    QUARANTINE_PREFIX       = local.quarantine_prefix
    TABLE_NAME              = var.table.name
    POWERTOOLS_SERVICE_NAME = local.service_names.stream_writer
    LOG_LEVEL               = var.log_level
  }

  merger_environment = {
    TABLE_NAME       = var.table.name
    STAGING_BUCKET   = var.lake.bucket_name
    STAGING_PREFIX   = local.staging_prefix
    CONTROL_TABLE    = aws_dynamodb_table.control.name
    ATHENA_WORKGROUP = local.merger_workgroup_name
    GLUE_DATABASE    = var.lake.glue_database_name
    TABLE_LOCATION   = local.table_location
    LOG_LEVEL        = var.log_level
    # Maintenance drops tombstones older than this (apps/merger config.ts); main.tf says why the sum.
    TOMBSTONE_RETENTION_MS = tostring(local.tombstone_retention_ms)
  }

  # MERGER_TIMEOUT_SECONDS: Lambda does not tell the code its timeout; the merger checks it against
  # its batch budget at cold start (apps/merger config.ts).
  merger_function_environment = merge(local.merger_environment, {
    POWERTOOLS_SERVICE_NAME = local.service_names.merger
    MERGER_TIMEOUT_SECONDS  = tostring(var.merger.timeout)
  })
  maintainer_environment = merge(local.merger_environment, {
    POWERTOOLS_SERVICE_NAME = local.service_names.maintainer
    MERGER_TIMEOUT_SECONDS  = tostring(var.maintenance.timeout)
  })
}

# The table's declaration for the three functions (generic zips): in their environment while it fits
# Lambda's 4 KB, else an S3 object they read at cold start; each checks it against the hash.
module "declaration" {
  source = "../_internal/declaration"

  table_name   = var.table.name
  declaration  = var.table.declaration
  delivery     = var.declaration_delivery
  environments = [local.stream_writer_environment, local.merger_function_environment, local.maintainer_environment]
  bucket_name  = var.lake.bucket_name
  bucket_arn   = var.lake.bucket_arn
  kms_key_arn  = var.lake.kms_key_arn
  tags         = local.tags
}

module "merger" {
  source = "../_internal/lambda-function"

  function_name      = "${local.name}-merger"
  description        = "ddb-athena-sync: scheduled MERGE of staged changes of ${var.table.name}, under a lease."
  zip_path           = var.merger_zip
  runtime            = var.lambda_runtime
  architecture       = var.lambda_architecture
  memory_size        = var.merger.memory_size
  timeout            = var.merger.timeout
  policy_json        = data.aws_iam_policy_document.merger.json
  log_retention_days = var.log_retention_days

  # Off by default: the lease in the control table already lets one merger at a time touch the table
  # (a second one finds it held and returns `busy`), and reserving concurrency fails `apply` on accounts
  # without 100 unreserved executions to spare (Lambda developer guide, "Configuring reserved
  # concurrency"). Set it to cap what a runaway schedule can cost.
  reserved_concurrent_executions = var.merger.reserved_concurrent_executions

  environment = merge(local.merger_function_environment, module.declaration.environment)

  tags = local.tags
}

# Maintenance (OPTIMIZE, VACUUM) on a function of its own: the every-minute merge schedule and the
# maintenance schedule no longer compete for one function's concurrency, where a throttled async
# invocation older than its maximum event age is dropped without error (Lambda developer guide,
# "Asynchronous invocation"). The two still never write the table together: both take the lease.
module "maintainer" {
  source = "../_internal/lambda-function"

  function_name      = "${local.name}-maintainer"
  description        = "ddb-athena-sync: scheduled OPTIMIZE and VACUUM of ${var.table.name}, under the merger's lease."
  zip_path           = var.merger_zip
  runtime            = var.lambda_runtime
  architecture       = var.lambda_architecture
  memory_size        = var.merger.memory_size
  timeout            = var.maintenance.timeout
  policy_json        = data.aws_iam_policy_document.merger.json
  log_retention_days = var.log_retention_days

  environment = merge(local.maintainer_environment, module.declaration.environment)

  tags = local.tags
}

# The schedule is the retry: an async retry would only race the next scheduled run for the lease.
resource "aws_lambda_function_event_invoke_config" "merger" {
  function_name                = module.merger.function_name
  maximum_retry_attempts       = 0
  maximum_event_age_in_seconds = 60
}

# Maintenance runs rarely: a run that failed is worth retrying, and waiting a few minutes is harmless.
resource "aws_lambda_function_event_invoke_config" "maintainer" {
  function_name                = module.maintainer.function_name
  maximum_retry_attempts       = 2
  maximum_event_age_in_seconds = 900
}
