locals {
  # Every alarm of the table, one entry each (docs/OPERATIONS.md says what to do about each one). An
  # entry names only what differs from the defaults of _internal/alarms (namespace DdbAthenaSync, period
  # 300 s, 1 evaluation period, threshold 0, GreaterThanThreshold, missing data notBreaching). An alarm
  # on one of our metrics names exactly the dimensions the handler publishes: Powertools Metrics adds
  # `service` (POWERTOOLS_SERVICE_NAME) to `table`, and CloudWatch treats each dimension set as its own
  # metric (CloudWatch User Guide, "Dimensions"). infra/test/metric-alarm-contract.test.ts runs the
  # handlers and checks every combination below against what they print.
  alarms = {
    merger_errors = {
      name        = "merger-errors"
      description = "The merger of ${var.table.name} failed. Staged changes stay in place and the next run retries them."
      namespace   = "AWS/Lambda"
      metric_name = "Errors"
      dimensions  = { FunctionName = module.merger.function_name }
      statistic   = "Sum"
    }
    freshness_lag = {
      name                = "freshness-lag"
      description         = "Changes to ${var.table.name} take longer than the threshold to reach Athena."
      metric_name         = "FreshnessLagMs"
      dimensions          = { service = local.service_names.merger, table = var.table.name }
      statistic           = "Maximum"
      period              = 60
      evaluation_periods  = 5
      datapoints_to_alarm = 3
      threshold           = var.alarm_thresholds.freshness_lag_ms
      # Missing data does not breach: FreshnessLagMs exists only for committed batches, and an idle
      # table has none. A merger that stopped running is caught by the oldest-staged-object alarm,
      # which every run feeds.
    }
    oldest_staged_object = {
      name               = "oldest-staged-object"
      description        = "A staging object of ${var.table.name} has waited longer than the threshold to be merged, or the merger stopped reporting."
      metric_name        = "OldestStagedObjectAgeMs"
      dimensions         = { service = local.service_names.merger, table = var.table.name }
      statistic          = "Maximum"
      evaluation_periods = 2
      threshold          = var.alarm_thresholds.oldest_staged_object_ms
      # Every merger run reports (0 when nothing is staged): no data means no run.
      treat_missing_data = "breaching"
    }
    iterator_age = {
      name               = "stream-iterator-age"
      description        = "The stream-writer of ${var.table.name} falls behind its DynamoDB stream (24 h retention)."
      namespace          = "AWS/Lambda"
      metric_name        = "IteratorAge"
      dimensions         = { FunctionName = module.stream_writer.function_name }
      statistic          = "Maximum"
      period             = 60
      evaluation_periods = 5
      threshold          = var.alarm_thresholds.iterator_age_ms
    }
    on_failure_queue_depth = {
      name        = "stream-on-failure-depth"
      description = "Stream batches of ${var.table.name} exhausted their retries; replay them from the on-failure queue."
      namespace   = "AWS/SQS"
      metric_name = "ApproximateNumberOfMessagesVisible"
      dimensions  = { QueueName = aws_sqs_queue.on_failure.name }
      statistic   = "Maximum"
    }
    maintainer_errors = {
      name        = "maintainer-errors"
      description = "Maintenance (OPTIMIZE, VACUUM) of ${var.table.name} failed; Lambda retries it twice."
      namespace   = "AWS/Lambda"
      metric_name = "Errors"
      dimensions  = { FunctionName = module.maintainer.function_name }
      statistic   = "Sum"
      period      = 3600
    }
    maintenance_missing = {
      name                = "maintenance-missing"
      description         = "No maintenance of ${var.table.name} succeeded for ${var.alarm_thresholds.maintenance_missing_hours} h: deletes pile up as position-delete files and reads slow down. A run that found the lease taken (busy) does not count."
      metric_name         = "MaintenanceSucceeded"
      dimensions          = { service = local.service_names.maintainer, table = var.table.name }
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
      metric_name         = "StagedNotMergedBudget"
      dimensions          = { service = local.service_names.merger, table = var.table.name }
      statistic           = "Minimum"
      evaluation_periods  = 3
      datapoints_to_alarm = 3
      # Missing data does not breach: published by every run that held the lease (0 when nothing was
      # left); no data is no run, which the oldest-staged-object alarm reports.
    }
    backfill_guard_expired = {
      name        = "backfill-guard-expired"
      description = "A backfill of ${var.table.name} stopped heart-beating its guard and the merger released it: the backfill did not finish; run it again."
      metric_name = "BackfillGuardExpired"
      dimensions  = { service = local.service_names.merger, table = var.table.name }
      statistic   = "Sum"
    }
    staged_objects_quarantined = {
      name        = "staged-objects-quarantined"
      description = "The merger of ${var.table.name} could not read staged objects and moved them to quarantine/${var.table.name}/unreadable/ (a .reason.json next to each): their changes are not in the table until replayed."
      metric_name = "StagedObjectsQuarantined"
      dimensions  = { service = local.service_names.merger, table = var.table.name }
      statistic   = "Sum"
      # Published by every run that held the lease (0 when nothing was quarantined); missing data does
      # not breach.
    }
    staged_not_merged_backfill_guard = {
      name        = "backfill-guard-held"
      description = "A backfill guard of ${var.table.name} has kept staged objects from being merged for ${var.alarm_thresholds.backfill_guard_held_hours} h (StagedNotMergedBackfillGuard): check that the backfill is still making progress."
      metric_name = "StagedNotMergedBackfillGuard"
      dimensions  = { service = local.service_names.merger, table = var.table.name }
      # Minimum over each hour: every run of the hour was held back, not one run during a short guard.
      statistic           = "Minimum"
      period              = 3600
      evaluation_periods  = var.alarm_thresholds.backfill_guard_held_hours
      datapoints_to_alarm = var.alarm_thresholds.backfill_guard_held_hours
      # Missing data does not breach: a guard nobody heart-beats is released (backfill-guard-expired);
      # no data is no run, which the oldest-staged-object alarm reports.
    }
    quarantined_records = {
      name        = "quarantined-records"
      description = "The stream-writer of ${var.table.name} quarantined malformed records under quarantine/${var.table.name}/."
      metric_name = "QuarantinedRecords"
      dimensions  = { service = local.service_names.stream_writer, table = var.table.name }
      statistic   = "Sum"
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
