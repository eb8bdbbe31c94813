locals {
  transform_environment = {
    TABLE_NAME              = var.table.name
    GLUE_DATABASE           = var.lake.glue_database_name
    QUARANTINE_BUCKET       = var.lake.bucket_name
    QUARANTINE_PREFIX       = local.quarantine_prefix
    POWERTOOLS_SERVICE_NAME = local.service_names.transform
    LOG_LEVEL               = var.log_level
  }
}

# The table's declaration for the transform (generic zip): in its environment while it fits Lambda's
# 4 KB, else an S3 object it reads at cold start; it checks it against the hash.
module "declaration" {
  source = "../_internal/declaration"

  table_name   = var.table.name
  declaration  = var.table.declaration
  delivery     = var.declaration_delivery
  environments = [local.transform_environment]
  bucket_name  = var.lake.bucket_name
  bucket_arn   = var.lake.bucket_arn
  kms_key_arn  = var.lake.kms_key_arn
  tags         = local.tags
}

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

  environment = merge(local.transform_environment, module.declaration.environment)

  tags = local.tags
}
