locals {
  metric_namespace = "DdbAthenaSync"

  # Every alarm of the table, one entry each (docs/OPERATIONS.md says what to do about each one).
  # Dimensions are maps so that all entries share one type, as for_each requires. Alarms on our metrics
  # name `service` as well as `table`: Powertools Metrics publishes both, and CloudWatch treats each
  # dimension set as its own metric (checked by infra/test/metric-alarm-contract.test.ts).
  alarms = {
    transform_errors = {
      name               = "transform-errors"
      description        = "firehose-transform of ${var.table.name} threw; Firehose retries, then writes the records under ${local.error_output_prefix}."
      namespace          = "AWS/Lambda"
      metric_name        = "Errors"
      dimensions         = tomap({ FunctionName = module.transform.function_name })
      statistic          = "Sum"
      evaluation_periods = 1
      threshold          = 0
    }
    processing_failed = {
      name               = "processing-failed"
      description        = "firehose-transform of ${var.table.name} marked records ProcessingFailed; they land under ${local.error_output_prefix}."
      namespace          = local.metric_namespace
      metric_name        = "ProcessingFailed"
      dimensions         = tomap({ service = local.service_names.transform, table = var.table.name })
      statistic          = "Sum"
      evaluation_periods = 1
      threshold          = 0
    }
    delivery_lag = {
      name               = "delivery-lag"
      description        = "Firehose delivery of ${var.table.name} falls behind its Kinesis stream."
      namespace          = "AWS/Firehose"
      metric_name        = "KinesisMillisBehindLatest"
      dimensions         = tomap({ DeliveryStreamName = aws_kinesis_firehose_delivery_stream.this.name })
      statistic          = "Maximum"
      evaluation_periods = 3
      threshold          = var.alarm_thresholds.millis_behind_latest
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${local.name}-${each.value.name}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric_name
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = 300
  evaluation_periods  = each.value.evaluation_periods
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions

  tags = local.tags
}
