locals {
  repo_root = "${path.module}/../../.."

  # The example declarations file is the repository's ddb-athena-sync.tables.json (books, orders);
  # Terraform reads its export, written by `pnpm ddb-athena-sync export-terraform` (here, for the
  # repository's own copy: `pnpm --filter @ddb-athena-sync/schemas export`). Each exported table
  # carries its Glue and Iceberg column types and the declaration its functions receive.
  tables_file  = coalesce(var.tables_file, "${local.repo_root}/packages/schemas/export/tables.json")
  declarations = jsondecode(file(local.tables_file)).tables

  # Generic Lambda packages, one build for any number of tables (`pnpm build` writes apps/*/dist/*.zip).
  zips = {
    stream_writer      = coalesce(var.lambda_zips.stream_writer, "${local.repo_root}/apps/stream-writer/dist/stream-writer.zip")
    merger             = coalesce(var.lambda_zips.merger, "${local.repo_root}/apps/merger/dist/merger.zip")
    firehose_transform = coalesce(var.lambda_zips.firehose_transform, "${local.repo_root}/apps/firehose-transform/dist/firehose-transform.zip")
  }

  books  = local.declarations.books
  orders = local.declarations.orders
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

# CloudWatch alarms cannot publish to a topic encrypted with the AWS managed key alias/aws/sns: its key
# policy cannot be changed to let cloudwatch.amazonaws.com use it (SNS developer guide, "Encryption at
# rest", key management: compatibility with AWS services). So the topic gets a customer managed key
# whose policy allows CloudWatch kms:Decrypt and kms:GenerateDataKey*, or the caller's own key
# (alarm_topic_kms_key_arn), whose policy must grant the same.
resource "aws_kms_key" "alarms" {
  count = var.alarm_topic_kms_key_arn == null ? 1 : 0

  description             = "${var.name_prefix}: SNS alarm topic (CloudWatch alarms may use it)."
  enable_key_rotation     = true
  deletion_window_in_days = 7

  # A key policy, not an IAM policy: the first statement is the default that delegates the key's
  # administration to IAM in this account (KMS developer guide, "Default key policy"); the second is
  # the grant CloudWatch needs to publish to an encrypted topic.
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministersThroughIam"
        Effect    = "Allow"
        Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudWatchAlarmsPublish"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
        Resource  = "*"
        Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
      },
    ]
  })
}

resource "aws_sns_topic" "alarms" {
  name              = "${var.name_prefix}-alarms"
  kms_master_key_id = var.alarm_topic_kms_key_arn == null ? aws_kms_key.alarms[0].arn : var.alarm_topic_kms_key_arn
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
  lake_formation     = var.lake_formation
  force_destroy      = var.force_destroy
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
  force_destroy         = var.force_destroy
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
  force_destroy          = var.force_destroy
}
