locals {
  repo_root = "${path.module}/../../.."

  # The declarations, exported by packages/schemas (`pnpm --filter @ddb-athena-sync/schemas export`).
  declarations = jsondecode(file("${local.repo_root}/packages/schemas/export/tables.json")).tables

  # Lambda packages built by turbo (`pnpm build`).
  zips = {
    stream_writer      = "${local.repo_root}/apps/stream-writer/dist/stream-writer.zip"
    merger             = "${local.repo_root}/apps/merger/dist/merger.zip"
    firehose_transform = "${local.repo_root}/apps/firehose-transform/dist/firehose-transform.zip"
  }

  # Each exported column carries its Glue type and its Iceberg type (nested field ids from 1000 up).
  books  = local.declarations.books
  orders = local.declarations.orders
}

resource "aws_sns_topic" "alarms" {
  name              = "${var.name_prefix}-alarms"
  kms_master_key_id = coalesce(var.kms_key_arn, "alias/aws/sns")
}

resource "aws_sns_topic_subscription" "alarm_email" {
  count = var.alarm_email == null ? 0 : 1

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

module "lake" {
  source = "../../modules/lake"

  name_prefix        = var.name_prefix
  glue_database_name = replace(var.name_prefix, "-", "_")
  kms_key_arn        = var.kms_key_arn
}

module "books" {
  source = "../../modules/merge-table"

  name_prefix           = var.name_prefix
  table                 = local.books
  lake                  = module.lake.lake
  create_dynamodb_table = var.create_dynamodb_tables
  stream_writer_zip     = local.zips.stream_writer
  merger_zip            = local.zips.merger
  lambda_runtime        = var.lambda_runtime
  alarm_actions         = [aws_sns_topic.alarms.arn]
}

module "orders" {
  source = "../../modules/firehose-table"

  name_prefix            = var.name_prefix
  table                  = local.orders
  lake                   = module.lake.lake
  create_dynamodb_table  = var.create_dynamodb_tables
  firehose_transform_zip = local.zips.firehose_transform
  lambda_runtime         = var.lambda_runtime
  alarm_actions          = [aws_sns_topic.alarms.arn]
}
