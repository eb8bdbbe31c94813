# The source table: created here, or an existing one looked up by name.
resource "aws_dynamodb_table" "this" {
  count = var.create_dynamodb_table ? 1 : 0

  name         = var.table.dynamodb.table_name
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = var.table.dynamodb.partition_key
  range_key    = var.table.dynamodb.sort_key

  # NEW_AND_OLD_IMAGES: REMOVE records then carry the old image; changing the view type later
  # recreates the stream with a new ARN.
  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"

  dynamic "attribute" {
    for_each = local.key_attribute_type
    content {
      name = attribute.key
      type = attribute.value
    }
  }

  dynamic "ttl" {
    for_each = var.table.dynamodb.ttl_attribute == null ? [] : [var.table.dynamodb.ttl_attribute]
    content {
      attribute_name = ttl.value
      enabled        = true
    }
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = var.lake.kms_key_arn != null
    kms_key_arn = var.lake.kms_key_arn
  }

  tags = local.tags
}

data "aws_dynamodb_table" "this" {
  count = var.create_dynamodb_table ? 0 : 1

  name = var.table.dynamodb.table_name

  lifecycle {
    postcondition {
      condition     = self.stream_enabled && self.stream_view_type == "NEW_AND_OLD_IMAGES"
      error_message = "The existing table must have its stream enabled with NEW_AND_OLD_IMAGES (aws dynamodb update-table --stream-specification StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES)."
    }
  }
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

  tags = local.tags
}
