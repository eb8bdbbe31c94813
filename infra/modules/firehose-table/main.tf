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
  # The transform writes rejected records as quarantine/<table>/<yyyy>/<mm>/<dd>/<shard>-<seq>.json,
  # the layout of merge mode (core staging-key.ts quarantineKey); Firehose's own error output is
  # under quarantine/<table>/firehose/.
  quarantine_prefix           = "quarantine/"
  transform_quarantine_prefix = "quarantine/${var.table.name}/"
  glue_table_arn              = "arn:${local.partition}:glue:${local.region}:${local.account_id}:table/${var.lake.glue_database_name}/${var.table.name}"

  # POWERTOOLS_SERVICE_NAME of the transform: the `service` dimension of its metrics (alarms.tf).
  service_names = {
    transform = "firehose-transform"
  }

  tags = merge(var.tags, { "ddb-athena-sync:table" = var.table.name })
}
