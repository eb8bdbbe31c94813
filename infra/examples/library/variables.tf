variable "region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "eu-west-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region code such as eu-west-1."
  }
}

variable "name_prefix" {
  description = "Prefix for every named resource."
  type        = string
  default     = "library"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-32 characters of lowercase letters, digits and hyphens."
  }
}

variable "lambda_runtime" {
  description = "Lambda runtime of every function (code is built to the Node 20 baseline)."
  type        = string
  default     = "nodejs22.x"

  validation {
    condition     = can(regex("^nodejs[0-9]+\\.x$", var.lambda_runtime))
    error_message = "lambda_runtime must be a Node.js runtime identifier such as nodejs22.x."
  }
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for the lake, queues and tables. Null uses AWS-owned/managed keys."
  type        = string
  default     = null

  validation {
    # The lake module's pattern: a key ARN, never an alias.
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-f0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "create_dynamodb_tables" {
  description = "Create the books and orders DynamoDB tables. False attaches to existing tables of the declared names."
  type        = bool
  default     = true
}

variable "alarm_email" {
  description = "Email address subscribed to the alarm topic. Null creates the topic without a subscription."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_email == null || can(regex("^[^@\\s]+@[^@\\s]+$", var.alarm_email))
    error_message = "alarm_email must be an email address."
  }
}

variable "alarm_topic_kms_key_arn" {
  description = "Customer managed KMS key for the alarm topic. Null creates one. Your key's policy must allow the service principal cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey*, or alarm notifications never arrive; the AWS managed alias/aws/sns cannot be used."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_topic_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-f0-9-]+$", var.alarm_topic_kms_key_arn))
    error_message = "alarm_topic_kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), not an alias such as alias/aws/sns."
  }
}

variable "lake_formation" {
  description = "The Glue database is governed by AWS Lake Formation: every role gets lakeformation:GetDataAccess (grant the Lake Formation permissions as infra/README.md describes)."
  type        = bool
  default     = false
}

variable "force_destroy" {
  description = "Let terraform destroy remove everything, data included: the lake bucket and workgroups even when not empty, and the DynamoDB tables (deletion protection off). For sandboxes only."
  type        = bool
  default     = false
}

variable "tables_file" {
  description = "Terraform export of the declarations file (`ddb-athena-sync export-terraform`). Null reads the export of the repository's example file (packages/schemas/export/tables.json)."
  type        = string
  default     = null
}

variable "lambda_zips" {
  description = "Paths of the generic Lambda packages (`pnpm build`, or the release's zips). A null path uses the one built in this repository (apps/<app>/dist/<app>.zip)."
  type = object({
    stream_writer      = optional(string)
    merger             = optional(string)
    firehose_transform = optional(string)
  })
  default = {}
}
