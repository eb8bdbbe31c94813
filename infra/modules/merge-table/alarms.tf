locals {
  metric_namespace = "DdbAthenaSync"
}

resource "aws_cloudwatch_metric_alarm" "merger_errors" {
  alarm_name          = "${local.name}-merger-errors"
  alarm_description   = "The merger of ${var.table.name} failed. Staged changes stay in place and the next run retries them."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.merger.function_name }
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

resource "aws_cloudwatch_metric_alarm" "freshness_lag" {
  alarm_name          = "${local.name}-freshness-lag"
  alarm_description   = "Changes to ${var.table.name} take longer than the threshold to reach Athena."
  namespace           = local.metric_namespace
  metric_name         = "FreshnessLagMs"
  dimensions          = { table = var.table.name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  threshold           = var.alarm_thresholds.freshness_lag_ms
  comparison_operator = "GreaterThanThreshold"
  # FreshnessLagMs exists only for committed batches: an idle table has none. A merger that stopped
  # running is caught by the oldest-staged-object alarm, which every run feeds.
  treat_missing_data = "notBreaching"
  alarm_actions      = var.alarm_actions
  ok_actions         = var.alarm_actions

  tags = local.tags
}

resource "aws_cloudwatch_metric_alarm" "oldest_staged_object" {
  alarm_name          = "${local.name}-oldest-staged-object"
  alarm_description   = "A staging object of ${var.table.name} has waited longer than the threshold to be merged, or the merger stopped reporting."
  namespace           = local.metric_namespace
  metric_name         = "OldestStagedObjectAgeMs"
  dimensions          = { table = var.table.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 2
  threshold           = var.alarm_thresholds.oldest_staged_object_ms
  comparison_operator = "GreaterThanThreshold"
  # Every merger run reports (0 when nothing is staged): no data means no run.
  treat_missing_data = "breaching"
  alarm_actions      = var.alarm_actions
  ok_actions         = var.alarm_actions

  tags = local.tags
}

resource "aws_cloudwatch_metric_alarm" "iterator_age" {
  alarm_name          = "${local.name}-stream-iterator-age"
  alarm_description   = "The stream-writer of ${var.table.name} falls behind its DynamoDB stream (24 h retention)."
  namespace           = "AWS/Lambda"
  metric_name         = "IteratorAge"
  dimensions          = { FunctionName = aws_lambda_function.stream_writer.function_name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  threshold           = var.alarm_thresholds.iterator_age_ms
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions

  tags = local.tags
}

resource "aws_cloudwatch_metric_alarm" "on_failure_queue_depth" {
  alarm_name          = "${local.name}-stream-on-failure-depth"
  alarm_description   = "Stream batches of ${var.table.name} exhausted their retries; replay them from the on-failure queue."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.on_failure.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions

  tags = local.tags
}

resource "aws_cloudwatch_metric_alarm" "quarantined_records" {
  alarm_name          = "${local.name}-quarantined-records"
  alarm_description   = "The stream-writer of ${var.table.name} quarantined malformed records under quarantine/${var.table.name}/."
  namespace           = local.metric_namespace
  metric_name         = "QuarantinedRecords"
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
