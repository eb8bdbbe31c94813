# The source DynamoDB table of a declared table: created here (on-demand, point-in-time recovery,
# encrypted with the lake's key when it has one), or an existing one looked up by name.
resource "aws_dynamodb_table" "this" {
  count = var.create ? 1 : 0

  name         = var.dynamodb.table_name
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = var.dynamodb.partition_key
  range_key    = var.dynamodb.sort_key

  # NEW_AND_OLD_IMAGES: REMOVE records then carry the old image; changing the view type later
  # recreates the stream with a new ARN.
  stream_enabled   = var.stream_required
  stream_view_type = var.stream_required ? "NEW_AND_OLD_IMAGES" : null

  # Only key attributes are declared to DynamoDB; their types come from the exported declaration.
  dynamic "attribute" {
    for_each = var.dynamodb.attribute_types
    content {
      name = attribute.key
      type = attribute.value
    }
  }

  dynamic "ttl" {
    for_each = var.dynamodb.ttl_attribute == null ? [] : [var.dynamodb.ttl_attribute]
    content {
      attribute_name = ttl.value
      enabled        = true
    }
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = var.kms_key_arn != null
    kms_key_arn = var.kms_key_arn
  }

  deletion_protection_enabled = var.deletion_protection

  tags = var.tags

  lifecycle {
    precondition {
      condition     = contains(keys(var.dynamodb.attribute_types), var.dynamodb.partition_key) && (var.dynamodb.sort_key == null || contains(keys(var.dynamodb.attribute_types), coalesce(var.dynamodb.sort_key, "-")))
      error_message = "attribute_types must give the type of the partition key and of the sort key."
    }
  }
}

data "aws_dynamodb_table" "this" {
  count = var.create ? 0 : 1

  name = var.dynamodb.table_name

  lifecycle {
    postcondition {
      condition     = !var.stream_required || (self.stream_enabled && self.stream_view_type == "NEW_AND_OLD_IMAGES")
      error_message = "The existing table must have its stream enabled with NEW_AND_OLD_IMAGES (aws dynamodb update-table --stream-specification StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES)."
    }
  }
}
