locals {
  metric_namespace = "DdbAthenaSync"

  # Every alarm of the table, one entry each (docs/OPERATIONS.md says what to do about each one).
  # Dimensions are maps so that all entries share one type, as for_each requires. An alarm on one of our
  # metrics names exactly the dimensions the handler publishes: Powertools Metrics adds `service`
  # (POWERTOOLS_SERVICE_NAME) to `table`, and CloudWatch treats each dimension set as its own metric
  # (CloudWatch User Guide, "Dimensions"). infra/test/metric-alarm-contract.test.ts runs the handlers
  # and checks every combination below against what they print.
  alarms = {
    merger_errors = {
      name                = "merger-errors"
      description         = "The merger of ${var.table.name} failed. Staged changes stay in place and the next run retries them."
      namespace           = "AWS/Lambda"
      metric_name         = "Errors"
      dimensions          = tomap({ FunctionName = module.merger.function_name })
      statistic           = "Sum"
      period              = 300
      evaluation_periods  = 1
      datapoints_to_alarm = null
      threshold           = 0
      comparison_operator = "GreaterThanThreshold"
      treat_missing_data  = "notBreaching"
    }
    freshness_lag = {
      name                = "freshness-lag"
      description         = "Changes to ${var.table.name} take longer than the threshold to reach Athena."
      namespace           = local.metric_namespace
      metric_name         = "FreshnessLagMs"
      dimensions          = tomap({ service = local.service_names.merger, table = var.table.name })
      statistic           = "Maximum"
      period              = 60
      evaluation_periods  = 5
      datapoints_to_alarm = 3
      threshold           = var.alarm_thresholds.freshness_lag_ms
      # FreshnessLagMs exists only for committed batches: an idle table has none. A merger that
      # stopped running is caught by the oldest-staged-object alarm, which every run feeds.
      comparison_operator = "GreaterThanThreshold"
      treat_missing_data  = "notBreaching"
    }
    oldest_staged_object = {
      name                = "oldest-staged-object"
      description         = "A staging object of ${var.table.name} has waited longer than the threshold to be merged, or the merger stopped reporting."
      namespace           = local.metric_namespace
      metric_name         = "OldestStagedObjectAgeMs"
      dimensions          = tomap({ service = local.service_names.merger, table = var.table.name })
      statistic           = "Maximum"
      period              = 300
      evaluation_periods  = 2
      datapoints_to_alarm = null
      threshold           = var.alarm_thresholds.oldest_staged_object_ms
      # Every merger run reports (0 when nothing is staged): no data means no run.
      comparison_operator = "GreaterThanThreshold"
      treat_missing_data  = "breaching"
    }
    iterator_age = {
      name                = "stream-iterator-age"
      description         = "The stream-writer of ${var.table.name} falls behind its DynamoDB stream (24 h retention)."
      namespace           = "AWS/Lambda"
      metric_name         = "IteratorAge"
      dimensions          = tomap({ FunctionName = module.stream_writer.function_name })
      statistic           = "Maximum"
      period              = 60
      evaluation_periods  = 5
      datapoints_to_alarm = null
      threshold           = var.alarm_thresholds.iterator_age_ms
      comparison_operator = "GreaterThanThreshold"
      treat_missing_data  = "notBreaching"
    }
    on_failure_queue_depth = {
      name                = "stream-on-failure-depth"
      description         = "Stream batches of ${var.table.name} exhausted their retries; replay them from the on-failure queue."
      namespace           = "AWS/SQS"
      metric_name         = "ApproximateNumberOfMessagesVisible"
      dimensions          = tomap({ QueueName = aws_sqs_queue.on_failure.name })
      statistic           = "Maximum"
      period              = 300
      evaluation_periods  = 1
      datapoints_to_alarm = null
      threshold           = 0
      comparison_operator = "GreaterThanThreshold"
      treat_missing_data  = "notBreaching"
    }
    maintainer_errors = {
      name                = "maintainer-errors"
      description         = "Maintenance (OPTIMIZE, VACUUM) of ${var.table.name} failed; Lambda retries it twice."
      namespace           = "AWS/Lambda"
      metric_name         = "Errors"
      dimensions          = tomap({ FunctionName = module.maintainer.function_name })
      statistic           = "Sum"
      period              = 3600
      evaluation_periods  = 1
      datapoints_to_alarm = null
      threshold           = 0
      comparison_operator = "GreaterThanThreshold"
      treat_missing_data  = "notBreaching"
    }
    maintenance_missing = {
      name                = "maintenance-missing"
      description         = "No maintenance of ${var.table.name} succeeded for ${var.alarm_thresholds.maintenance_missing_hours} h: deletes pile up as position-delete files and reads slow down. A run that found the lease taken (busy) does not count."
      namespace           = local.metric_namespace
      metric_name         = "MaintenanceSucceeded"
      dimensions          = tomap({ service = local.service_names.maintainer, table = var.table.name })
      statistic           = "Sum"
      period              = 3600
      evaluation_periods  = var.alarm_thresholds.maintenance_missing_hours
      datapoints_to_alarm = var.alarm_thresholds.maintenance_missing_hours
      threshold           = 1
      comparison_operator = "LessThanThreshold"
      # MaintenanceSucceeded is only published by a run that finished OPTIMIZE and VACUUM: no data is
      # no success.
      treat_missing_data = "breaching"
    }
    staged_not_merged_budget = {
      name                = "staged-not-merged-budget"
      description         = "Merger runs of ${var.table.name} keep leaving staged objects for lack of time (StagedNotMergedBudget): raise merger.timeout or merge more often."
      namespace           = local.metric_namespace
      metric_name         = "StagedNotMergedBudget"
      dimensions          = tomap({ service = local.service_names.merger, table = var.table.name })
      statistic           = "Minimum"
      period              = 300
      evaluation_periods  = 3
      datapoints_to_alarm = 3
      threshold           = 0
      comparison_operator = "GreaterThanThreshold"
      # Published by every run that held the lease (0 when nothing was left); no data is no run, which
      # the oldest-staged-object alarm reports.
      treat_missing_data = "notBreaching"
    }
    backfill_guard_expired = {
      name                = "backfill-guard-expired"
      description         = "A backfill of ${var.table.name} stopped heart-beating its guard and the merger released it: the backfill did not finish; run it again."
      namespace           = local.metric_namespace
      metric_name         = "BackfillGuardExpired"
      dimensions          = tomap({ service = local.service_names.merger, table = var.table.name })
      statistic           = "Sum"
      period              = 300
      evaluation_periods  = 1
      datapoints_to_alarm = null
      threshold           = 0
      comparison_operator = "GreaterThanThreshold"
      treat_missing_data  = "notBreaching"
    }
    staged_objects_quarantined = {
      name                = "staged-objects-quarantined"
      description         = "The merger of ${var.table.name} could not read staged objects and moved them to quarantine/${var.table.name}/unreadable/ (a .reason.json next to each): their changes are not in the table until replayed."
      namespace           = local.metric_namespace
      metric_name         = "StagedObjectsQuarantined"
      dimensions          = tomap({ service = local.service_names.merger, table = var.table.name })
      statistic           = "Sum"
      period              = 300
      evaluation_periods  = 1
      datapoints_to_alarm = null
      threshold           = 0
      comparison_operator = "GreaterThanThreshold"
      # Published by every run that held the lease (0 when nothing was quarantined).
      treat_missing_data = "notBreaching"
    }
    staged_not_merged_backfill_guard = {
      name        = "backfill-guard-held"
      description = "A backfill guard of ${var.table.name} has kept staged objects from being merged for ${var.alarm_thresholds.backfill_guard_held_hours} h (StagedNotMergedBackfillGuard): check that the backfill is still making progress."
      namespace   = local.metric_namespace
      metric_name = "StagedNotMergedBackfillGuard"
      dimensions  = tomap({ service = local.service_names.merger, table = var.table.name })
      # Minimum over each hour: every run of the hour was held back, not one run during a short guard.
      statistic           = "Minimum"
      period              = 3600
      evaluation_periods  = var.alarm_thresholds.backfill_guard_held_hours
      datapoints_to_alarm = var.alarm_thresholds.backfill_guard_held_hours
      threshold           = 0
      comparison_operator = "GreaterThanThreshold"
      # A guard nobody heart-beats is released (backfill-guard-expired); no data is no run, which the
      # oldest-staged-object alarm reports.
      treat_missing_data = "notBreaching"
    }
    quarantined_records = {
      name                = "quarantined-records"
      description         = "The stream-writer of ${var.table.name} quarantined malformed records under quarantine/${var.table.name}/."
      namespace           = local.metric_namespace
      metric_name         = "QuarantinedRecords"
      dimensions          = tomap({ service = local.service_names.stream_writer, table = var.table.name })
      statistic           = "Sum"
      period              = 300
      evaluation_periods  = 1
      datapoints_to_alarm = null
      threshold           = 0
      comparison_operator = "GreaterThanThreshold"
      treat_missing_data  = "notBreaching"
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
  period              = each.value.period
  evaluation_periods  = each.value.evaluation_periods
  datapoints_to_alarm = each.value.datapoints_to_alarm
  threshold           = each.value.threshold
  comparison_operator = each.value.comparison_operator
  treat_missing_data  = each.value.treat_missing_data
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions

  tags = local.tags
}
