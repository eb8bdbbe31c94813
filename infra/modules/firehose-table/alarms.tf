locals {
  # Every alarm of the table, one entry each (docs/OPERATIONS.md says what to do about each one). An
  # entry names only what differs from the defaults of _internal/alarms (namespace DdbAthenaSync, period
  # 300 s, 1 evaluation period, threshold 0, GreaterThanThreshold, missing data notBreaching). Alarms on
  # our metrics name `service` as well as `table`: Powertools Metrics publishes both, and CloudWatch
  # treats each dimension set as its own metric (checked by infra/test/metric-alarm-contract.test.ts).
  alarms = {
    transform_errors = {
      name        = "transform-errors"
      description = "firehose-transform of ${var.table.name} threw; Firehose retries, then writes the records under ${local.error_output_prefix}."
      namespace   = "AWS/Lambda"
      metric_name = "Errors"
      dimensions  = { FunctionName = module.transform.function_name }
      statistic   = "Sum"
    }
    processing_failed = {
      name        = "processing-failed"
      description = "firehose-transform of ${var.table.name} marked records ProcessingFailed; they land under ${local.error_output_prefix}."
      metric_name = "ProcessingFailed"
      dimensions  = { service = local.service_names.transform, table = var.table.name }
      statistic   = "Sum"
    }
    delivery_lag = {
      name               = "delivery-lag"
      description        = "Firehose delivery of ${var.table.name} falls behind its Kinesis stream."
      namespace          = "AWS/Firehose"
      metric_name        = "KinesisMillisBehindLatest"
      dimensions         = { DeliveryStreamName = aws_kinesis_firehose_delivery_stream.this.name }
      statistic          = "Maximum"
      evaluation_periods = 3
      threshold          = var.alarm_thresholds.millis_behind_latest
    }
  }
}

module "alarms" {
  source = "../_internal/alarms"

  name_prefix   = local.name
  alarms        = local.alarms
  alarm_actions = var.alarm_actions

  tags = local.tags
}

# The alarms were this module's own resource before _internal/alarms: move them, do not recreate them.
moved {
  from = aws_cloudwatch_metric_alarm.this
  to   = module.alarms.aws_cloudwatch_metric_alarm.this
}
