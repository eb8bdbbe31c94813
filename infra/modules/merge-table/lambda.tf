resource "aws_cloudwatch_log_group" "stream_writer" {
  name              = "/aws/lambda/${local.name}-stream-writer"
  retention_in_days = var.log_retention_days

  tags = local.tags
}

resource "aws_cloudwatch_log_group" "merger" {
  name              = "/aws/lambda/${local.name}-merger"
  retention_in_days = var.log_retention_days

  tags = local.tags
}

resource "aws_lambda_function" "stream_writer" {
  function_name    = "${local.name}-stream-writer"
  description      = "ddb-athena-sync: DynamoDB stream batch of ${var.table.name} -> one staging object."
  role             = aws_iam_role.stream_writer.arn
  filename         = var.stream_writer_zip
  source_code_hash = filebase64sha256(var.stream_writer_zip)
  handler          = "handler.handler"
  runtime          = var.lambda_runtime
  architectures    = [var.lambda_architecture]
  memory_size      = var.stream_writer.memory_size
  timeout          = var.stream_writer.timeout

  environment {
    variables = {
      STAGING_BUCKET          = var.lake.bucket_name
      STAGING_PREFIX          = local.staging_prefix
      QUARANTINE_PREFIX       = local.quarantine_prefix
      TABLE_NAME              = var.table.name
      POWERTOOLS_SERVICE_NAME = "stream-writer"
      LOG_LEVEL               = var.log_level
    }
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.stream_writer.name
  }

  tags = local.tags

  depends_on = [aws_iam_role_policy.stream_writer]
}

resource "aws_lambda_event_source_mapping" "stream_writer" {
  function_name     = aws_lambda_function.stream_writer.arn
  event_source_arn  = local.stream_arn
  starting_position = var.stream_writer.starting_position

  batch_size                         = var.stream_writer.batch_size
  maximum_batching_window_in_seconds = var.stream_writer.maximum_batching_window_in_seconds
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

  depends_on = [aws_iam_role_policy.stream_writer]
}

resource "aws_lambda_function" "merger" {
  function_name    = "${local.name}-merger"
  description      = "ddb-athena-sync: scheduled MERGE and maintenance of ${var.table.name}, under a lease."
  role             = aws_iam_role.merger.arn
  filename         = var.merger_zip
  source_code_hash = filebase64sha256(var.merger_zip)
  handler          = "handler.handler"
  runtime          = var.lambda_runtime
  architectures    = [var.lambda_architecture]
  memory_size      = var.merger.memory_size
  timeout          = var.merger.timeout

  # One merger at a time per table; the lease in the control table covers the rest.
  reserved_concurrent_executions = 1

  environment {
    variables = {
      TABLE_NAME              = var.table.name
      STAGING_BUCKET          = var.lake.bucket_name
      STAGING_PREFIX          = local.staging_prefix
      CONTROL_TABLE           = aws_dynamodb_table.control.name
      ATHENA_WORKGROUP        = var.lake.athena_workgroup_name
      GLUE_DATABASE           = var.lake.glue_database_name
      TABLE_LOCATION          = local.table_location
      POWERTOOLS_SERVICE_NAME = "merger"
      LOG_LEVEL               = var.log_level
    }
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.merger.name
  }

  tags = local.tags

  depends_on = [aws_iam_role_policy.merger]
}

# The schedule is the retry: an async retry would only race the next scheduled run for the lease.
resource "aws_lambda_function_event_invoke_config" "merger" {
  function_name                = aws_lambda_function.merger.function_name
  maximum_retry_attempts       = 0
  maximum_event_age_in_seconds = 60
}
