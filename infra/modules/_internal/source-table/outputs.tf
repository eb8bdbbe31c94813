output "name" {
  description = "Name of the table."
  value       = var.create ? aws_dynamodb_table.this[0].name : data.aws_dynamodb_table.this[0].name
}

output "arn" {
  description = "ARN of the table."
  value       = var.create ? aws_dynamodb_table.this[0].arn : data.aws_dynamodb_table.this[0].arn
}

output "stream_arn" {
  description = "ARN of the table's DynamoDB stream (null when it has none)."
  value       = var.create ? aws_dynamodb_table.this[0].stream_arn : data.aws_dynamodb_table.this[0].stream_arn
}
