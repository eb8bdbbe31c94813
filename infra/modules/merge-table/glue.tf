module "iceberg_table" {
  source = "../iceberg-table"

  database_name    = var.lake.glue_database_name
  table_name       = var.table.name
  description      = "ddb-athena-sync: ${var.table.name} (merge mode), mirrored from DynamoDB table ${var.table.dynamodb.table_name}."
  location         = local.table_location
  columns          = var.table.columns
  partitioning     = var.table.partitioning
  table_properties = var.table.table_properties
}

# The staging table: gzip NDJSON objects written by the stream-writer. The merger restricts every read
# to the listed batch with "$path" IN (...), so the table needs no partitions.
resource "aws_glue_catalog_table" "staging" {
  database_name = var.lake.glue_database_name
  name          = var.table.staging_table_name
  description   = "ddb-athena-sync: staged changes of ${var.table.name}, merged and deleted by the merger."
  table_type    = "EXTERNAL_TABLE"

  parameters = {
    classification  = "json"
    compressionType = "gzip"
  }

  storage_descriptor {
    location      = local.staging_location
    input_format  = "org.apache.hadoop.mapred.TextInputFormat"
    output_format = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"

    ser_de_info {
      name                  = "json"
      serialization_library = "org.openx.data.jsonserde.JsonSerDe"

      parameters = {
        "ignore.malformed.json" = "false"
      }
    }

    dynamic "columns" {
      for_each = var.table.staging_columns
      content {
        name = columns.value.name
        type = columns.value.type
      }
    }
  }
}
