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

output "error_output_prefix" {
  description = "Key prefix in the lake bucket where Firehose writes records it could not deliver."
  value       = local.error_output_prefix
}

output "kinesis_stream_arn" {
  description = "ARN of the Kinesis data stream that receives the DynamoDB changes."
  value       = aws_kinesis_stream.this.arn
}

output "delivery_stream_arn" {
  description = "ARN of the Firehose delivery stream (Iceberg destination)."
  value       = aws_kinesis_firehose_delivery_stream.this.arn
}

output "transform_function_name" {
  description = "Name of the firehose-transform Lambda function."
  value       = module.transform.function_name
}

output "firehose_role_arn" {
  description = "ARN of the role Firehose assumes."
  value       = module.firehose_role.arn
}

output "alarm_arns" {
  description = "ARNs of the table's CloudWatch alarms, by purpose."
  value       = module.alarms.alarm_arns
}
