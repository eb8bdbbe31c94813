resource "aws_scheduler_schedule" "merge" {
  name        = "${local.name}-merge"
  description = "Merge staged changes of ${var.table.name} into its Iceberg table."

  schedule_expression = var.table.schedule
  state               = "ENABLED"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = module.merger.function_arn
    role_arn = module.scheduler_role.arn
    input    = jsonencode({ table = var.table.name, action = "merge" })

    # A missed run is picked up by the next one; never pile up stale invocations.
    retry_policy {
      maximum_retry_attempts       = 0
      maximum_event_age_in_seconds = 60
    }
  }
}

resource "aws_scheduler_schedule" "maintain" {
  name        = "${local.name}-maintain"
  description = "OPTIMIZE and VACUUM the Iceberg table ${var.table.name}."

  schedule_expression = var.table.maintenance_schedule
  state               = "ENABLED"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = module.maintainer.function_arn
    role_arn = module.scheduler_role.arn
    input    = jsonencode({ table = var.table.name, action = "maintain" })

    retry_policy {
      maximum_retry_attempts       = 2
      maximum_event_age_in_seconds = 900
    }
  }
}
