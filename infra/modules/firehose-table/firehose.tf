module "iceberg_table" {
  source = "../iceberg-table"

  database_name    = var.lake.glue_database_name
  table_name       = var.table.name
  description      = "ddb-athena-sync: ${var.table.name} (firehose mode), delivered from DynamoDB table ${var.table.dynamodb.table_name}."
  location         = local.table_location
  columns          = var.table.columns
  partitioning     = var.table.partitioning
  table_properties = var.table.table_properties
}

resource "aws_cloudwatch_log_group" "firehose" {
  name              = "/aws/kinesisfirehose/${local.name}"
  retention_in_days = var.log_retention_days

  tags = local.tags
}

resource "aws_cloudwatch_log_stream" "firehose" {
  name           = "DestinationDelivery"
  log_group_name = aws_cloudwatch_log_group.firehose.name
}

resource "aws_kinesis_firehose_delivery_stream" "this" {
  name        = "${local.name}-iceberg"
  destination = "iceberg"

  kinesis_source_configuration {
    kinesis_stream_arn = aws_kinesis_stream.this.arn
    role_arn           = module.firehose_role.arn
  }

  iceberg_configuration {
    role_arn           = module.firehose_role.arn
    catalog_arn        = var.lake.glue_catalog_arn
    buffering_interval = var.table.firehose.buffering_interval_seconds
    buffering_size     = var.table.firehose.buffering_size_mb
    retry_duration     = 300
    s3_backup_mode     = "FailedDataOnly"
    # Append-only is an explicit opt-in of the declaration; otherwise every record is an update on the
    # unique keys, so a duplicate or reordered Kinesis record still leaves one row per key.
    append_only = var.table.firehose.append_only

    destination_table_configuration {
      database_name          = var.lake.glue_database_name
      table_name             = module.iceberg_table.name
      unique_keys            = var.table.firehose.append_only ? null : var.table.key_columns
      s3_error_output_prefix = local.error_output_prefix
    }

    processing_configuration {
      enabled = true

      processors {
        type = "Lambda"

        parameters {
          parameter_name  = "LambdaArn"
          parameter_value = "${module.transform.function_arn}:$LATEST"
        }

        parameters {
          parameter_name  = "BufferSizeInMBs"
          parameter_value = "1"
        }

        parameters {
          parameter_name  = "BufferIntervalInSeconds"
          parameter_value = "60"
        }
      }
    }

    s3_configuration {
      role_arn            = module.firehose_role.arn
      bucket_arn          = var.lake.bucket_arn
      error_output_prefix = local.error_output_prefix
      kms_key_arn         = var.lake.kms_key_arn
    }

    cloudwatch_logging_options {
      enabled         = true
      log_group_name  = aws_cloudwatch_log_group.firehose.name
      log_stream_name = aws_cloudwatch_log_stream.firehose.name
    }
  }

  tags = local.tags
}
