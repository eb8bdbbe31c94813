# The lake's KMS key and Lake Formation statements, the same in every role that reads or writes table
# files; each policy document below merges the ones it needs.
module "lake_statements" {
  source = "../_internal/lake-statements"

  kms_key_arn    = var.lake.kms_key_arn
  lake_formation = var.lake.lake_formation
}

# ---------------------------------------------------------------- firehose-transform

# Firehose's transformation response has no field for a reason (Firehose developer guide, "Data
# transformation": recordId, result, data, metadata), so the transform writes each rejected record
# with its reason under quarantine/<table>/ itself (the layout and content of merge mode).
data "aws_iam_policy_document" "transform" {
  statement {
    sid       = "WriteQuarantine"
    actions   = ["s3:PutObject"]
    resources = ["${var.lake.bucket_arn}/${local.transform_quarantine_prefix}*"]
  }

  dynamic "statement" {
    for_each = module.declaration.in_s3 ? [module.declaration.object_arn] : []
    content {
      sid       = "ReadDeclaration"
      actions   = ["s3:GetObject"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = var.lake.kms_key_arn == null ? [] : [var.lake.kms_key_arn]
    content {
      sid = "Kms"
      # Decrypt only to read the declaration object (encrypted with the lake's key).
      actions   = module.declaration.in_s3 ? ["kms:GenerateDataKey", "kms:Decrypt"] : ["kms:GenerateDataKey"]
      resources = [statement.value]
    }
  }
}

# ---------------------------------------------------------------- firehose

data "aws_iam_policy_document" "firehose" {
  override_policy_documents = [module.lake_statements.lake_formation]

  statement {
    sid = "ReadKinesis"
    actions = [
      "kinesis:DescribeStream",
      "kinesis:DescribeStreamSummary",
      "kinesis:GetShardIterator",
      "kinesis:GetRecords",
      "kinesis:ListShards",
    ]
    resources = [aws_kinesis_stream.this.arn]
  }

  statement {
    sid = "GlueCatalog"
    actions = [
      "glue:GetDatabase",
      "glue:GetTable",
      "glue:UpdateTable",
    ]
    resources = [var.lake.glue_catalog_arn, var.lake.glue_database_arn, local.glue_table_arn]
  }

  statement {
    sid = "TableAndErrorObjects"
    actions = [
      "s3:AbortMultipartUpload",
      "s3:GetObject",
      "s3:PutObject",
      "s3:DeleteObject",
    ]
    resources = [
      "${var.lake.bucket_arn}/${local.table_prefix}*",
      "${var.lake.bucket_arn}/${local.error_output_prefix}*",
    ]
  }

  statement {
    sid       = "ListOwnPrefixes"
    actions   = ["s3:ListBucket", "s3:ListBucketMultipartUploads"]
    resources = [var.lake.bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = [local.table_prefix, "${local.table_prefix}*", local.error_output_prefix, "${local.error_output_prefix}*"]
    }
  }

  statement {
    sid       = "BucketLocation"
    actions   = ["s3:GetBucketLocation"]
    resources = [var.lake.bucket_arn]
  }

  statement {
    sid       = "InvokeTransform"
    actions   = ["lambda:InvokeFunction", "lambda:GetFunctionConfiguration"]
    resources = [module.transform.function_arn, "${module.transform.function_arn}:*"]
  }

  statement {
    sid       = "Logs"
    actions   = ["logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.firehose.arn}:*"]
  }

  dynamic "statement" {
    for_each = var.lake.kms_key_arn == null ? [] : [var.lake.kms_key_arn]
    content {
      # Decrypt reads the Kinesis stream (encrypted with this key) and the table; GenerateDataKey writes
      # the table. IAM names a key by its key ARN: a Resource with an alias ARN matches no key (KMS
      # developer guide, "Using aliases to control access to KMS keys"). With the AWS managed
      # aws/kinesis key (no lake key) no statement is needed: its key policy already lets principals
      # of the account use it through Kinesis (Kinesis developer guide, "Permissions to use
      # user-generated KMS keys").
      sid       = "LakeKms"
      actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
      resources = [statement.value]
    }
  }
}

module "firehose_role" {
  source = "../_internal/service-role"

  name                  = "${local.name}-firehose"
  service               = "firehose.amazonaws.com"
  assume_sid            = "FirehoseAssume"
  account_condition_key = "sts:ExternalId"
  account_id            = local.account_id
  policy_name           = "firehose-iceberg"
  policy_json           = data.aws_iam_policy_document.firehose.json

  tags = local.tags
}

moved {
  from = aws_iam_role.firehose
  to   = module.firehose_role.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.firehose
  to   = module.firehose_role.aws_iam_role_policy.this
}
