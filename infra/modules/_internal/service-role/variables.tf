variable "name" {
  description = "Name of the role."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.name))
    error_message = "name must be 1-64 characters of letters, digits and +=,.@_- (IAM role name limits)."
  }
}

variable "service" {
  description = "Service principal that assumes the role, e.g. scheduler.amazonaws.com."
  type        = string

  validation {
    condition     = endswith(var.service, ".amazonaws.com")
    error_message = "service must be a service principal (<service>.amazonaws.com)."
  }
}

variable "assume_sid" {
  description = "Sid of the trust policy's statement."
  type        = string
}

variable "account_condition_key" {
  description = "Condition key that must equal account_id in the trust policy: aws:SourceAccount, or sts:ExternalId for Firehose."
  type        = string
  default     = "aws:SourceAccount"

  validation {
    condition     = contains(["aws:SourceAccount", "sts:ExternalId"], var.account_condition_key)
    error_message = "account_condition_key must be aws:SourceAccount or sts:ExternalId."
  }
}

variable "account_id" {
  description = "The account the service must act for (this account)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be a 12-digit AWS account id."
  }
}

variable "policy_name" {
  description = "Name of the role's inline policy."
  type        = string
}

variable "policy_json" {
  description = "The role's inline policy (JSON), what the service may do as the role."
  type        = string
}

variable "tags" {
  description = "Tags added to the role."
  type        = map(string)
  default     = {}
}
