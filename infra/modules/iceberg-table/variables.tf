variable "database_name" {
  description = "Glue database that holds the table."
  type        = string

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]*$", var.database_name))
    error_message = "database_name must match ^[a-z_][a-z0-9_]*$."
  }
}

variable "table_name" {
  description = "Name of the Iceberg table (the declared table name)."
  type        = string

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]*$", var.table_name))
    error_message = "table_name must match ^[a-z_][a-z0-9_]*$."
  }
}

variable "description" {
  description = "Description stored on the Glue table."
  type        = string
  default     = null
}

variable "location" {
  description = "S3 URI of the table (s3://<bucket>/tables/<table>/). Never the staging prefix, never under a lifecycle rule."
  type        = string

  validation {
    condition     = can(regex("^s3://[a-z0-9][a-z0-9.-]+[a-z0-9]/.+/$", var.location))
    error_message = "location must be an s3:// URI with a key prefix ending in \"/\"."
  }
}

variable "columns" {
  description = <<-EOT
    Columns in declaration order. `type` is the Glue/Athena type from the declaration. Primitive types
    (string, bigint, int, boolean, double, float, date, timestamp, binary, decimal(p,s)) are mapped to
    Iceberg types here; a nested type (array<...>, struct<...>, map<...>) needs `iceberg_type`: the Iceberg
    JSON type (https://iceberg.apache.org/spec/#schemas), with nested field ids of 1000 and above so they
    never collide with the top-level ids 1..n assigned in order here.
  EOT
  type = list(object({
    name         = string
    type         = string
    iceberg_type = optional(string)
  }))

  validation {
    condition     = length(var.columns) > 0 && alltrue([for c in var.columns : can(regex("^[a-z_][a-z0-9_]*$", c.name))])
    error_message = "columns must not be empty and every column name must match ^[a-z_][a-z0-9_]*$."
  }

  validation {
    condition = alltrue([
      for c in var.columns :
      c.iceberg_type != null || can(regex("^(string|bigint|int|integer|smallint|tinyint|boolean|double|float|date|timestamp|binary|decimal\\(\\s*[0-9]+\\s*,\\s*[0-9]+\\s*\\))$", lower(c.type)))
    ])
    error_message = "A column with a nested type (array<>, struct<>, map<>) needs iceberg_type (the Iceberg JSON type)."
  }
}

variable "partitioning" {
  description = "Iceberg partition transforms, e.g. [\"bucket(16, id)\"] or [\"day(created_at)\"]; a bare column name is identity."
  type        = list(string)
  default     = []

  validation {
    condition = alltrue([
      for p in var.partitioning :
      can(regex("^((bucket|truncate)\\(\\s*[0-9]+\\s*,\\s*[a-z_][a-z0-9_]*\\s*\\)|(year|month|day|hour|identity)\\(\\s*[a-z_][a-z0-9_]*\\s*\\)|[a-z_][a-z0-9_]*)$", p))
    ])
    error_message = "partitioning entries must be bucket(N, col), truncate(N, col), year|month|day|hour|identity(col) or col."
  }
}

variable "table_properties" {
  description = "Iceberg table properties set at creation (e.g. vacuum_max_snapshot_age_seconds, optimize_rewrite_delete_file_threshold)."
  type        = map(string)
  default     = {}
}
