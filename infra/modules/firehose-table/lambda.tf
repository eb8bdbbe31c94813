resource "aws_cloudwatch_log_group" "transform" {
  name              = "/aws/lambda/${local.name}-firehose-transform"
  retention_in_days = var.log_retention_days

  tags = local.tags
}

resource "aws_lambda_function" "transform" {
  function_name    = "${local.name}-firehose-transform"
  description      = "ddb-athena-sync: Kinesis-format DynamoDB records of ${var.table.name} -> Iceberg rows with routing metadata."
  role             = aws_iam_role.transform.arn
  filename         = var.firehose_transform_zip
  source_code_hash = filebase64sha256(var.firehose_transform_zip)
  handler          = "handler.handler"
  runtime          = var.lambda_runtime
  architectures    = [var.lambda_architecture]
  memory_size      = var.transform.memory_size
  timeout          = var.transform.timeout

  environment {
    variables = {
      TABLE_NAME              = var.table.name
      GLUE_DATABASE           = var.lake.glue_database_name
      POWERTOOLS_SERVICE_NAME = "firehose-transform"
      LOG_LEVEL               = var.log_level
    }
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.transform.name
  }

  tags = local.tags

  depends_on = [aws_iam_role_policy.transform]
}
