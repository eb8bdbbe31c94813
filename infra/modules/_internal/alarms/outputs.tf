output "alarm_arns" {
  description = "ARNs of the alarms, by the keys of var.alarms."
  value       = { for purpose, alarm in aws_cloudwatch_metric_alarm.this : purpose => alarm.arn }
}
