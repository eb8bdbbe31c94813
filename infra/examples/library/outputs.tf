output "lake_bucket_name" {
  description = "Name of the lake bucket (tables/, staging/, quarantine/, athena-results/)."
  value       = module.lake.bucket_name
}

output "glue_database_name" {
  description = "Glue database to query in Athena."
  value       = module.lake.glue_database_name
}

output "athena_workgroup_name" {
  description = "Athena workgroup to query with (engine version 3, enforced settings)."
  value       = module.lake.athena_workgroup_name
}

output "books" {
  description = "The books table (merge mode): Iceberg table, staging location, functions, control table."
  value = {
    iceberg_table            = module.books.iceberg_table_name
    table_location           = module.books.table_location
    staging_location         = module.books.staging_location
    merger_function_name     = module.books.merger_function_name
    maintainer_function_name = module.books.maintainer_function_name
    control_table_name       = module.books.control_table_name
    on_failure_queue_url     = module.books.on_failure_queue_url
  }
}

output "orders" {
  description = "The orders table (firehose mode): Iceberg table, Kinesis stream, delivery stream."
  value = {
    iceberg_table       = module.orders.iceberg_table_name
    table_location      = module.orders.table_location
    kinesis_stream_arn  = module.orders.kinesis_stream_arn
    delivery_stream_arn = module.orders.delivery_stream_arn
  }
}

output "alarm_topic_arn" {
  description = "SNS topic that every alarm notifies."
  value       = aws_sns_topic.alarms.arn
}
