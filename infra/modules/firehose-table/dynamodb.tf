resource "aws_dynamodb_table" "this" {
  count = var.create_dynamodb_table ? 1 : 0

  name         = var.table.dynamodb.table_name
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = var.table.dynamodb.partition_key
  range_key    = var.table.dynamodb.sort_key

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
}

resource "aws_kinesis_stream" "this" {
  name             = "${local.name}-changes"
  retention_period = var.kinesis_retention_hours
  encryption_type  = "KMS"
  kms_key_id       = coalesce(var.lake.kms_key_arn, "alias/aws/kinesis")

  stream_mode_details {
    stream_mode = "ON_DEMAND"
  }

  tags = local.tags
}

# DynamoDB -> Kinesis Data Streams. Records carry ApproximateCreationDateTime in microseconds, which
# firehose-transform uses as the ordering column; they may arrive twice and out of order.
resource "aws_dynamodb_kinesis_streaming_destination" "this" {
  stream_arn                               = aws_kinesis_stream.this.arn
  table_name                               = local.ddb_table_name
  approximate_creation_date_time_precision = "MICROSECOND"
}
