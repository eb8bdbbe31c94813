# One Lambda function of a table module with what every function needs: its log group, its own role
# (from _internal/service-role: assumable by Lambda from this account only) and an inline policy made
# of the caller's statements plus the right to write to its own log group. The terraform-aws-modules/
# lambda way: callers say what the function may do, not how a function is wired.
data "aws_caller_identity" "current" {}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/lambda/${var.function_name}"
  retention_in_days = var.log_retention_days

  tags = var.tags
}

data "aws_iam_policy_document" "this" {
  source_policy_documents = [var.policy_json]

  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }
}

module "role" {
  source = "../service-role"

  name        = var.function_name
  service     = "lambda.amazonaws.com"
  assume_sid  = "LambdaAssume"
  account_id  = data.aws_caller_identity.current.account_id
  policy_name = var.function_name
  policy_json = data.aws_iam_policy_document.this.json

  tags = var.tags
}

moved {
  from = aws_iam_role.this
  to   = module.role.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.this
  to   = module.role.aws_iam_role_policy.this
}

resource "aws_lambda_function" "this" {
  function_name    = var.function_name
  description      = var.description
  role             = module.role.arn
  filename         = var.zip_path
  source_code_hash = filebase64sha256(var.zip_path)
  handler          = "handler.handler"
  runtime          = var.runtime
  architectures    = [var.architecture]
  memory_size      = var.memory_size
  timeout          = var.timeout

  # Null (the default) reserves nothing. Reserving needs 100 unreserved executions left in the account,
  # which new accounts (quota 10) do not have (Lambda developer guide, "Configuring reserved
  # concurrency"), so a caller only sets it when it has a reason.
  reserved_concurrent_executions = var.reserved_concurrent_executions

  environment {
    variables = var.environment
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.this.name
  }

  tags = var.tags

  depends_on = [module.role]
}
