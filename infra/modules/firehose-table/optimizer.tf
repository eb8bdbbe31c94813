# Firehose writes Iceberg files but does no compaction, snapshot expiry or orphan-file cleanup on
# tables it does not manage (Firehose developer guide, "Deliver data to Apache Iceberg Tables"); the
# Glue Data Catalog's table optimizers do, on their own schedule, with the role below (AWS Glue
# developer guide, "Optimizing Iceberg tables" and "Table optimization prerequisites";
# aws_glue_catalog_table_optimizer: types compaction, retention, orphan_file_deletion).
locals {
  # Snapshot retention from the declaration's own maintenance settings (what VACUUM uses in merge mode).
  retention_days     = max(1, ceil(tonumber(lookup(var.table.table_properties, "vacuum_max_snapshot_age_seconds", "432000")) / 86400))
  snapshots_retained = tonumber(lookup(var.table.table_properties, "vacuum_min_snapshots_to_keep", "1"))
}

data "aws_iam_policy_document" "optimizer" {
  override_policy_documents = [module.lake_statements.kms, module.lake_statements.lake_formation]

  statement {
    sid       = "TableFiles"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${var.lake.bucket_arn}/${local.table_prefix}*"]
  }

  statement {
    sid       = "ListTablePrefix"
    actions   = ["s3:ListBucket"]
    resources = [var.lake.bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = [local.table_prefix, "${local.table_prefix}*"]
    }
  }

  statement {
    sid       = "CatalogTable"
    actions   = ["glue:GetTable", "glue:UpdateTable"]
    resources = [var.lake.glue_catalog_arn, var.lake.glue_database_arn, local.glue_table_arn]
  }

  statement {
    # The optimizers log to fixed log groups (Table optimization prerequisites).
    sid     = "OptimizerLogs"
    actions = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [
      "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws-glue/iceberg-compaction/logs:*",
      "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws-glue/iceberg-retention/logs:*",
      "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws-glue/iceberg-orphan-file-deletion/logs:*",
    ]
  }
}

module "optimizer_role" {
  source = "../_internal/service-role"
  count  = var.table_optimizers.enabled ? 1 : 0

  name        = "${local.name}-table-optimizer"
  service     = "glue.amazonaws.com"
  assume_sid  = "GlueAssume"
  account_id  = local.account_id
  policy_name = "table-optimizer"
  policy_json = data.aws_iam_policy_document.optimizer.json

  tags = local.tags
}

moved {
  from = aws_iam_role.optimizer[0]
  to   = module.optimizer_role[0].aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.optimizer[0]
  to   = module.optimizer_role[0].aws_iam_role_policy.this
}

resource "aws_glue_catalog_table_optimizer" "compaction" {
  count = var.table_optimizers.enabled ? 1 : 0

  catalog_id    = local.account_id
  database_name = var.lake.glue_database_name
  table_name    = module.iceberg_table.name
  type          = "compaction"

  configuration {
    # No compaction_configuration: the service default strategy is binpack, and the block only exists
    # in providers newer than the minimum in versions.tf (pnpm validate:infra checks both schemas).
    role_arn = module.optimizer_role[0].arn
    enabled  = true
  }

  depends_on = [module.optimizer_role]
}

resource "aws_glue_catalog_table_optimizer" "retention" {
  count = var.table_optimizers.enabled ? 1 : 0

  catalog_id    = local.account_id
  database_name = var.lake.glue_database_name
  table_name    = module.iceberg_table.name
  type          = "retention"

  configuration {
    role_arn = module.optimizer_role[0].arn
    enabled  = true

    retention_configuration {
      iceberg_configuration {
        snapshot_retention_period_in_days = local.retention_days
        number_of_snapshots_to_retain     = local.snapshots_retained
        # Defaults to false, which only drops snapshots from the metadata and keeps their files.
        clean_expired_files = true
      }
    }
  }

  depends_on = [module.optimizer_role]
}

resource "aws_glue_catalog_table_optimizer" "orphan_file_deletion" {
  count = var.table_optimizers.enabled ? 1 : 0

  catalog_id    = local.account_id
  database_name = var.lake.glue_database_name
  table_name    = module.iceberg_table.name
  type          = "orphan_file_deletion"

  configuration {
    role_arn = module.optimizer_role[0].arn
    enabled  = true

    orphan_file_deletion_configuration {
      iceberg_configuration {
        orphan_file_retention_period_in_days = var.table_optimizers.orphan_file_retention_days
        location                             = local.table_location
      }
    }
  }

  depends_on = [module.optimizer_role]
}
