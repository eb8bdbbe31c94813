data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  name = "${var.name_prefix}-${replace(var.table.name, "_", "-")}"

  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.region
  partition  = data.aws_partition.current.partition

  staging_prefix    = "staging/"
  quarantine_prefix = "quarantine/"
  # Per-table prefixes: staging and quarantine are siblings of tables/, never under a table location.
  table_staging_prefix    = "${local.staging_prefix}${var.table.name}/"
  table_quarantine_prefix = "${local.quarantine_prefix}${var.table.name}/"
  table_prefix            = "tables/${var.table.name}/"
  table_location          = "s3://${var.lake.bucket_name}/${local.table_prefix}"
  staging_location        = "s3://${var.lake.bucket_name}/${local.table_staging_prefix}"

  glue_table_arns = [
    "arn:${local.partition}:glue:${local.region}:${local.account_id}:table/${var.lake.glue_database_name}/${var.table.name}",
    "arn:${local.partition}:glue:${local.region}:${local.account_id}:table/${var.lake.glue_database_name}/${var.table.staging_table_name}",
  ]

  column_types = { for c in var.table.columns : c.name => lower(c.type) }
  # DynamoDB key attribute type from the declared column type.
  key_attribute_type = {
    for k in compact([var.table.dynamodb.partition_key, var.table.dynamodb.sort_key]) :
    k => can(regex("^(bigint|int|integer|smallint|tinyint|double|float|decimal)", lookup(local.column_types, k, "string"))) ? "N" : (lookup(local.column_types, k, "string") == "binary" ? "B" : "S")
  }

  stream_arn = var.create_dynamodb_table ? aws_dynamodb_table.this[0].stream_arn : data.aws_dynamodb_table.this[0].stream_arn
  ddb_arn    = var.create_dynamodb_table ? aws_dynamodb_table.this[0].arn : data.aws_dynamodb_table.this[0].arn

  tags = merge(var.tags, { "ddb-athena-sync:table" = var.table.name })
}
