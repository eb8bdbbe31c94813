output "glue_database_name" {
  description = "Glue database to query in Athena."
  value       = module.lake.glue_database_name
}

output "athena_workgroup_name" {
  description = "Athena workgroup to query with."
  value       = module.lake.athena_workgroup_name
}

output "merge_tables" {
  description = "Each merge-mode table: Iceberg table and merger function."
  value = { for name, m in module.merge_table : name => {
    iceberg_table        = m.iceberg_table_name
    merger_function_name = m.merger_function_name
  } }
}

output "firehose_tables" {
  description = "Each firehose-mode table: its Iceberg table location."
  value       = { for name, m in module.firehose_table : name => m.table_location }
}
