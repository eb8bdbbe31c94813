data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  name = "${var.name_prefix}-${replace(var.table.name, "_", "-")}"

  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.region
  partition  = data.aws_partition.current.partition

  table_prefix        = "tables/${var.table.name}/"
  table_location      = "s3://${var.lake.bucket_name}/${local.table_prefix}"
  error_output_prefix = "quarantine/${var.table.name}/firehose/"
  glue_table_arn      = "arn:${local.partition}:glue:${local.region}:${local.account_id}:table/${var.lake.glue_database_name}/${var.table.name}"

  column_types = { for c in var.table.columns : c.name => lower(c.type) }
  key_attribute_type = {
    for k in compact([var.table.dynamodb.partition_key, var.table.dynamodb.sort_key]) :
    k => can(regex("^(bigint|int|integer|smallint|tinyint|double|float|decimal)", lookup(local.column_types, k, "string"))) ? "N" : (lookup(local.column_types, k, "string") == "binary" ? "B" : "S")
  }

  ddb_table_name = var.create_dynamodb_table ? aws_dynamodb_table.this[0].name : data.aws_dynamodb_table.this[0].name

  tags = merge(var.tags, { "ddb-athena-sync:table" = var.table.name })
}
