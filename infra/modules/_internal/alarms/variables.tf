variable "name_prefix" {
  description = "Prefix of every alarm name: <name_prefix>-<alarm name>."
  type        = string
}

variable "alarms" {
  description = "The alarms, by purpose (the key is the alarm's for_each key). Defaults: namespace DdbAthenaSync (the handlers' Powertools Metrics namespace), period 300 s, 1 evaluation period, every period counts (datapoints_to_alarm null), threshold 0, GreaterThanThreshold, missing data notBreaching."
  type = map(object({
    name        = string
    description = string
    namespace   = optional(string, "DdbAthenaSync")
    metric_name = string
    # An alarm on one of our metrics names exactly the dimensions the handler publishes: CloudWatch
    # treats each dimension set as its own metric (CloudWatch User Guide, "Dimensions").
    dimensions          = map(string)
    statistic           = string
    period              = optional(number, 300)
    evaluation_periods  = optional(number, 1)
    datapoints_to_alarm = optional(number)
    threshold           = optional(number, 0)
    comparison_operator = optional(string, "GreaterThanThreshold")
    treat_missing_data  = optional(string, "notBreaching")
  }))

  validation {
    condition     = alltrue([for a in values(var.alarms) : contains(["SampleCount", "Average", "Sum", "Minimum", "Maximum"], a.statistic)])
    error_message = "Each alarm's statistic must be SampleCount, Average, Sum, Minimum or Maximum."
  }

  validation {
    condition     = alltrue([for a in values(var.alarms) : contains(["missing", "ignore", "breaching", "notBreaching"], a.treat_missing_data)])
    error_message = "Each alarm's treat_missing_data must be missing, ignore, breaching or notBreaching."
  }

  validation {
    condition     = alltrue([for a in values(var.alarms) : contains(["GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold"], a.comparison_operator)])
    error_message = "Each alarm's comparison_operator must be a static-threshold operator (GreaterThanThreshold, LessThanThreshold, ...)."
  }
}

variable "alarm_actions" {
  description = "ARNs (SNS topics) notified when an alarm fires or recovers."
  type        = list(string)
}

variable "tags" {
  description = "Tags added to every alarm."
  type        = map(string)
  default     = {}
}
