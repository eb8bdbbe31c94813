output "name" {
  description = "Name of the Iceberg table in Glue."
  value       = aws_glue_catalog_table.this.name
}

output "arn" {
  description = "ARN of the Glue table."
  value       = aws_glue_catalog_table.this.arn
}

output "location" {
  description = "S3 URI of the table data and metadata."
  value       = var.location
}
