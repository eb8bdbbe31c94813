locals {
  metric_namespace = "DdbAthenaSync"
}

resource "aws_cloudwatch_metric_alarm" "transform_errors" {
  alarm_name          = "${local.name}-transform-errors"
  alarm_description   = "firehose-transform of ${var.table.name} threw; Firehose retries, then writes the records under ${local.error_output_prefix}."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.transform.function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions

  tags = local.tags
}

resource "aws_cloudwatch_metric_alarm" "processing_failed" {
  alarm_name          = "${local.name}-processing-failed"
  alarm_description   = "firehose-transform of ${var.table.name} marked records ProcessingFailed; they land under ${local.error_output_prefix}."
  namespace           = local.metric_namespace
  metric_name         = "ProcessingFailed"
  dimensions          = { table = var.table.name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions

  tags = local.tags
}

resource "aws_cloudwatch_metric_alarm" "delivery_lag" {
  alarm_name          = "${local.name}-delivery-lag"
  alarm_description   = "Firehose delivery of ${var.table.name} falls behind its Kinesis stream."
  namespace           = "AWS/Firehose"
  metric_name         = "KinesisMillisBehindLatest"
  dimensions          = { DeliveryStreamName = aws_kinesis_firehose_delivery_stream.this.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 3
  threshold           = var.alarm_thresholds.millis_behind_latest
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions

  tags = local.tags
}
