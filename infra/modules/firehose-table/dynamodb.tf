# The source table: created here, or an existing one looked up by name (no DynamoDB stream needed:
# changes leave through the Kinesis streaming destination below).
module "source_table" {
  source = "../_internal/source-table"

  create              = var.create_dynamodb_table
  dynamodb            = var.table.dynamodb
  stream_required     = false
  kms_key_arn         = var.lake.kms_key_arn
  deletion_protection = !var.force_destroy

  tags = local.tags
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
  table_name                               = module.source_table.name
  approximate_creation_date_time_precision = "MICROSECOND"
}
