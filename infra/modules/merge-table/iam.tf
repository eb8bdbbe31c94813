# The lake's KMS key and Lake Formation statements, the same in every role that reads or writes table
# files; each policy document below merges the ones it needs.
module "lake_statements" {
  source = "../_internal/lake-statements"

  kms_key_arn    = var.lake.kms_key_arn
  lake_formation = var.lake.lake_formation
}

# ---------------------------------------------------------------- stream-writer

data "aws_iam_policy_document" "stream_writer" {
  override_policy_documents = [module.lake_statements.kms]

  statement {
    sid = "ReadStream"
    actions = [
      "dynamodb:DescribeStream",
      "dynamodb:GetRecords",
      "dynamodb:GetShardIterator",
    ]
    resources = [module.source_table.stream_arn]
  }

  statement {
    sid     = "ListStreams"
    actions = ["dynamodb:ListStreams"]
    # iam-wildcard: dynamodb:ListStreams supports no resource-level permission (Service Authorization
    # Reference, Amazon DynamoDB); the event source mapping's poller calls it.
    resources = ["*"]
  }

  statement {
    sid     = "WriteStagingAndQuarantine"
    actions = ["s3:PutObject"]
    resources = [
      "${var.lake.bucket_arn}/${local.table_staging_prefix}*",
      "${var.lake.bucket_arn}/${local.table_quarantine_prefix}*",
    ]
  }

  statement {
    sid       = "OnFailureDestination"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.on_failure.arn]
  }

  dynamic "statement" {
    for_each = module.declaration.in_s3 ? [module.declaration.object_arn] : []
    content {
      sid       = "ReadDeclaration"
      actions   = ["s3:GetObject"]
      resources = [statement.value]
    }
  }
}

# ---------------------------------------------------------------- merger

data "aws_iam_policy_document" "merger" {
  override_policy_documents = [module.lake_statements.kms, module.lake_statements.lake_formation]

  statement {
    sid = "AthenaQueries"
    actions = [
      "athena:StartQueryExecution",
      "athena:GetQueryExecution",
      "athena:GetQueryResults",
      "athena:StopQueryExecution",
    ]
    resources = distinct([var.lake.athena_workgroup_arn, local.merger_workgroup_arn])
  }

  statement {
    sid = "GlueTables"
    actions = [
      "glue:GetDatabase",
      "glue:GetTable",
      "glue:UpdateTable",
      "glue:GetPartitions",
    ]
    resources = concat([var.lake.glue_catalog_arn, var.lake.glue_database_arn], local.glue_table_arns)
  }

  statement {
    # The engine sends CREATE TABLE IF NOT EXISTS for the tombstone table in ensureTable. tombstones.tf
    # declares that table, so the statement finds it; the grant stays for a merger started before the
    # table exists (a targeted apply). glue:CreateTable is authorised on the catalog, the database and
    # the new table (Glue developer guide, "Specifying AWS Glue resource ARNs"). No other CreateTable.
    sid       = "GlueCreateTombstoneTable"
    actions   = ["glue:CreateTable"]
    resources = [var.lake.glue_catalog_arn, var.lake.glue_database_arn, local.glue_tombstone_table_arn]
  }

  dynamic "statement" {
    for_each = module.declaration.in_s3 ? [module.declaration.object_arn] : []
    content {
      sid       = "ReadDeclaration"
      actions   = ["s3:GetObject"]
      resources = [statement.value]
    }
  }

  statement {
    sid = "TableAndStagingObjects"
    actions = [
      "s3:GetObject",
      "s3:PutObject",
      "s3:DeleteObject",
      "s3:AbortMultipartUpload",
      "s3:ListMultipartUploadParts",
    ]
    resources = [
      "${var.lake.bucket_arn}/${local.table_prefix}*",
      "${var.lake.bucket_arn}/${local.table_tombstone_prefix}*",
      "${var.lake.bucket_arn}/${local.table_staging_prefix}*",
    ]
  }

  statement {
    # Unreadable staged objects: CopyObject reads the staged object (s3:GetObject above) and writes the
    # copy and its .reason.json (s3:PutObject on the target; Amazon S3 API Reference, CopyObject).
    sid       = "QuarantineUnreadable"
    actions   = ["s3:PutObject"]
    resources = ["${var.lake.bucket_arn}/${local.table_unreadable_prefix}*"]
  }

  statement {
    # Athena writes query results with the caller's credentials.
    sid = "AthenaResults"
    actions = [
      "s3:GetObject",
      "s3:PutObject",
      "s3:AbortMultipartUpload",
      "s3:ListMultipartUploadParts",
    ]
    resources = ["${var.lake.bucket_arn}/athena-results/*"]
  }

  statement {
    sid       = "ListOwnPrefixes"
    actions   = ["s3:ListBucket", "s3:ListBucketMultipartUploads"]
    resources = [var.lake.bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values = [
        local.table_prefix,
        "${local.table_prefix}*",
        local.table_tombstone_prefix,
        "${local.table_tombstone_prefix}*",
        local.table_staging_prefix,
        "${local.table_staging_prefix}*",
        "athena-results/*",
      ]
    }
  }

  statement {
    sid       = "BucketLocation"
    actions   = ["s3:GetBucketLocation"]
    resources = [var.lake.bucket_arn]
  }

  statement {
    # Lease and journal: the merger's code makes every write conditional.
    sid = "ControlTable"
    actions = [
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
      "dynamodb:ConditionCheckItem",
    ]
    resources = [aws_dynamodb_table.control.arn]
  }
}

# ---------------------------------------------------------------- scheduler

data "aws_iam_policy_document" "scheduler" {
  statement {
    sid       = "InvokeMergerAndMaintainer"
    actions   = ["lambda:InvokeFunction"]
    resources = [module.merger.function_arn, module.maintainer.function_arn]
  }
}

module "scheduler_role" {
  source = "../_internal/service-role"

  name        = "${local.name}-scheduler"
  service     = "scheduler.amazonaws.com"
  assume_sid  = "SchedulerAssume"
  account_id  = local.account_id
  policy_name = "invoke-merger"
  policy_json = data.aws_iam_policy_document.scheduler.json

  tags = local.tags
}

moved {
  from = aws_iam_role.scheduler
  to   = module.scheduler_role.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.scheduler
  to   = module.scheduler_role.aws_iam_role_policy.this
}
