module "transform" {
  source = "../_internal/lambda-function"

  function_name      = "${local.name}-firehose-transform"
  description        = "ddb-athena-sync: Kinesis-format DynamoDB records of ${var.table.name} -> Iceberg rows with routing metadata."
  zip_path           = var.firehose_transform_zip
  runtime            = var.lambda_runtime
  architecture       = var.lambda_architecture
  memory_size        = var.transform.memory_size
  timeout            = var.transform.timeout
  policy_json        = data.aws_iam_policy_document.transform.json
  log_retention_days = var.log_retention_days

  environment = {
    TABLE_NAME              = var.table.name
    GLUE_DATABASE           = var.lake.glue_database_name
    QUARANTINE_BUCKET       = var.lake.bucket_name
    QUARANTINE_PREFIX       = local.quarantine_prefix
    POWERTOOLS_SERVICE_NAME = local.service_names.transform
    LOG_LEVEL               = var.log_level
  }

  tags = local.tags
}
