# The source table: created here, or an existing one (whose stream must be NEW_AND_OLD_IMAGES) looked up.
module "source_table" {
  source = "../_internal/source-table"

  create              = var.create_dynamodb_table
  dynamodb            = var.table.dynamodb
  stream_required     = true
  kms_key_arn         = var.lake.kms_key_arn
  deletion_protection = !var.force_destroy

  tags = local.tags
}

# Lease and journal of the merger: one item per table, written only with conditional writes.
resource "aws_dynamodb_table" "control" {
  name         = "${local.name}-control"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"

  attribute {
    name = "pk"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = var.lake.kms_key_arn != null
    kms_key_arn = var.lake.kms_key_arn
  }

  deletion_protection_enabled = !var.force_destroy

  tags = local.tags
}
