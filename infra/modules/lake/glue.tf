resource "aws_glue_catalog_database" "this" {
  name        = var.glue_database_name
  description = "ddb-athena-sync: Iceberg tables mirrored from DynamoDB, and their staging tables."

  tags = var.tags
}
