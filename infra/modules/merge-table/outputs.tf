output "table_name" {
  description = "Declared table name (Glue and Athena name of the Iceberg table)."
  value       = var.table.name
}

output "iceberg_table_name" {
  description = "Name of the Iceberg table in Glue."
  value       = module.iceberg_table.name
}

output "table_location" {
  description = "S3 URI of the Iceberg table."
  value       = local.table_location
}

output "staging_table_name" {
  description = "Name of the Glue staging table over staging/<table>/."
  value       = aws_glue_catalog_table.staging.name
}

output "staging_location" {
  description = "S3 URI where the stream-writer (and a backfill) write staging objects."
  value       = local.staging_location
}

output "dynamodb_table_arn" {
  description = "ARN of the source DynamoDB table."
  value       = module.source_table.arn
}

output "dynamodb_stream_arn" {
  description = "ARN of the DynamoDB stream the stream-writer reads."
  value       = module.source_table.stream_arn
}

output "control_table_name" {
  description = "Name of the merger's control table (lease and journal)."
  value       = aws_dynamodb_table.control.name
}

output "stream_writer_function_name" {
  description = "Name of the stream-writer Lambda function."
  value       = module.stream_writer.function_name
}

output "stream_writer_role_arn" {
  description = "ARN of the stream-writer's execution role."
  value       = module.stream_writer.role_arn
}

output "merger_function_name" {
  description = "Name of the merger Lambda function."
  value       = module.merger.function_name
}

output "merger_function_arn" {
  description = "ARN of the merger Lambda function."
  value       = module.merger.function_arn
}

output "merger_role_arn" {
  description = "ARN of the merger's execution role."
  value       = module.merger.role_arn
}

output "on_failure_queue_url" {
  description = "URL of the SQS queue that receives stream batches which exhausted their retries."
  value       = aws_sqs_queue.on_failure.id
}

output "alarm_arns" {
  description = "ARNs of the table's CloudWatch alarms, by purpose."
  value       = module.alarms.alarm_arns
}

output "maintainer_function_name" {
  description = "Name of the maintainer Lambda function (the merger package running the maintain action)."
  value       = module.maintainer.function_name
}

output "maintainer_role_arn" {
  description = "ARN of the maintainer's execution role."
  value       = module.maintainer.role_arn
}
