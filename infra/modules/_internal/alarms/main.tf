# The CloudWatch alarms of one table module, made from data: the caller lists what each alarm watches
# and when it fires, and the attributes most alarms share (our own namespace, a 5-minute period, one
# evaluation period, "more than 0", missing data is not breaching) are the defaults of var.alarms.
# merge-table and firehose-table alarm the same way, so the resource is written once, here.
resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = var.alarms

  alarm_name          = "${var.name_prefix}-${each.value.name}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric_name
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = each.value.period
  evaluation_periods  = each.value.evaluation_periods
  datapoints_to_alarm = each.value.datapoints_to_alarm
  threshold           = each.value.threshold
  comparison_operator = each.value.comparison_operator
  treat_missing_data  = each.value.treat_missing_data
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions

  tags = var.tags
}
