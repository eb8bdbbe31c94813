data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  name = "${var.name_prefix}-${replace(var.table.name, "_", "-")}"

  # Mode append (DESIGN.md, "Mode append") runs on this module too: the stream-writer stages INSERTs
  # only and the merger compacts the staged objects, then appends them with an insert-only MERGE on
  # the declaration's schedule (e.g. rate(6 hours): packages/cost prices the seed's orders so). Its
  # batching window defaults to the event source mapping's maximum, 300 s (Lambda developer guide,
  # "Batching behavior"): about 60 times fewer staged objects than merge mode's 5 s. No Kinesis, no
  # Firehose. The merger's Athena engine creates no tombstone table for an append table.
  batching_window_seconds = coalesce(
    var.stream_writer.maximum_batching_window_in_seconds,
    var.table.mode == "append" ? 300 : 5,
  )

  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.region
  partition  = data.aws_partition.current.partition

  staging_prefix    = "staging/"
  quarantine_prefix = "quarantine/"
  # Per-table prefixes: staging and quarantine are siblings of tables/, never under a table location.
  table_staging_prefix    = "${local.staging_prefix}${var.table.name}/"
  table_quarantine_prefix = "${local.quarantine_prefix}${var.table.name}/"
  table_prefix            = "tables/${var.table.name}/"
  # The merger's Athena engine creates the tombstone table `<table>__tombstones` (CREATE TABLE IF NOT
  # EXISTS) next to the table's location: `<table location without its last "/">__tombstones/`
  # (packages/core/src/aws/athena-engine.ts, tombstoneLocation). A sibling of tables/<table>/, so the
  # table's own prefix does not cover it.
  tombstone_table_name   = "${var.table.name}__tombstones"
  table_tombstone_prefix = "tables/${local.tombstone_table_name}/"
  # Staged objects the engine cannot read: copied here with a `.reason.json` next to each
  # (packages/core/src/merge/merge-table.ts, quarantineObject).
  table_unreadable_prefix = "${local.table_quarantine_prefix}unreadable/"
  table_location          = "s3://${var.lake.bucket_name}/${local.table_prefix}"
  staging_location        = "s3://${var.lake.bucket_name}/${local.table_staging_prefix}"

  glue_table_arns = [
    "arn:${local.partition}:glue:${local.region}:${local.account_id}:table/${var.lake.glue_database_name}/${var.table.name}",
    "arn:${local.partition}:glue:${local.region}:${local.account_id}:table/${var.lake.glue_database_name}/${var.table.staging_table_name}",
    local.glue_tombstone_table_arn,
  ]
  glue_tombstone_table_arn = "arn:${local.partition}:glue:${local.region}:${local.account_id}:table/${var.lake.glue_database_name}/${local.tombstone_table_name}"

  # Tombstones must outlive every redelivery of a stream record, or a replayed change older than a
  # merged delete resurrects the row: 24 h stream retention (DynamoDB developer guide, "Change data
  # capture for DynamoDB Streams") plus the event source mapping's maximum record age, during which
  # Lambda may still retry a batch. variables.tf keeps the record age finite (60-604800 s; the
  # provider's -1, infinite, is refused), so the sum is always finite.
  tombstone_retention_ms = (86400 + var.stream_writer.maximum_record_age_in_seconds) * 1000

  # POWERTOOLS_SERVICE_NAME of each function: Powertools Metrics publishes every metric with a
  # `service` dimension of this value, so the alarms on our metrics name it too (alarms.tf).
  service_names = {
    stream_writer = "stream-writer"
    merger        = "merger"
    maintainer    = "maintainer"
  }

  # MERGE and OPTIMIZE run in the lake's DML workgroup when it has one (its own bytes-scanned cutoff).
  merger_workgroup_name = coalesce(var.lake.merge_workgroup_name, var.lake.athena_workgroup_name)
  merger_workgroup_arn  = coalesce(var.lake.merge_workgroup_arn, var.lake.athena_workgroup_arn)

  tags = merge(var.tags, { "ddb-athena-sync:table" = var.table.name })
}
