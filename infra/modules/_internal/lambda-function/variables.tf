variable "function_name" {
  description = "Name of the function; also the name of its role and the suffix of its log group /aws/lambda/<name>."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.function_name))
    error_message = "function_name must be 1-64 letters, digits, hyphens or underscores (Lambda and IAM role name limits)."
  }
}

variable "description" {
  description = "Description of the function."
  type        = string
}

variable "zip_path" {
  description = "Path of the deployment package (.zip) built by `pnpm build`."
  type        = string

  validation {
    condition     = endswith(var.zip_path, ".zip")
    error_message = "zip_path must be the path of a .zip file."
  }
}

variable "runtime" {
  description = "Lambda runtime identifier (the code is built to the Node 20 baseline)."
  type        = string

  validation {
    condition     = can(regex("^nodejs[0-9]+\\.x$", var.runtime))
    error_message = "runtime must be a Node.js runtime identifier such as nodejs22.x."
  }
}

variable "architecture" {
  description = "Instruction set of the function."
  type        = string

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "memory_size" {
  description = "Memory of the function in MB."
  type        = number

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "memory_size must be 128-10240 MB."
  }
}

variable "timeout" {
  description = "Timeout of one invocation in seconds."
  type        = number

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900
    error_message = "timeout must be 1-900 seconds."
  }
}

variable "reserved_concurrent_executions" {
  description = "Reserved concurrency, or null to reserve none."
  type        = number
  default     = null

  validation {
    condition     = var.reserved_concurrent_executions == null || try(var.reserved_concurrent_executions >= 0, false)
    error_message = "reserved_concurrent_executions must be null or at least 0."
  }
}

variable "environment" {
  description = "Environment variables of the function (POWERTOOLS_SERVICE_NAME among them: it is the `service` dimension of every metric)."
  type        = map(string)
}

variable "policy_json" {
  description = "IAM policy document (JSON) with what the function may do; the module adds writing to its own log group."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the function's CloudWatch log group."
  type        = number

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }
}

variable "tags" {
  description = "Tags added to every resource that takes tags."
  type        = map(string)
  default     = {}
}
