locals {
  # Glue/Athena primitive type -> Iceberg primitive type (https://iceberg.apache.org/spec/#primitive-types,
  # Athena "Supported data types for Iceberg tables").
  iceberg_primitive = {
    string    = "string"
    bigint    = "long"
    int       = "int"
    integer   = "int"
    smallint  = "int"
    tinyint   = "int"
    boolean   = "boolean"
    double    = "double"
    float     = "float"
    date      = "date"
    timestamp = "timestamp"
    binary    = "binary"
  }

  column_names = [for c in var.columns : c.name]

  # Glue takes each field's type as a JSON document: "\"long\"" for a primitive, an object for a nested type.
  schema_fields = [
    for i, c in var.columns : {
      id   = i + 1
      name = c.name
      type = c.iceberg_type != null ? c.iceberg_type : jsonencode(lookup(local.iceberg_primitive, lower(c.type), replace(lower(c.type), " ", "")))
    }
  ]

  partition_fields = [
    for i, p in var.partitioning : {
      with_arg = try(regex("^(bucket|truncate)\\(\\s*([0-9]+)\\s*,\\s*([a-z_][a-z0-9_]*)\\s*\\)$", p), null)
      single   = try(regex("^(year|month|day|hour|identity)\\(\\s*([a-z_][a-z0-9_]*)\\s*\\)$", p), null)
      field_id = 1000 + i
      raw      = p
    }
  ]

  partition_spec = [
    for f in local.partition_fields : {
      field_id  = f.field_id
      transform = f.with_arg != null ? "${f.with_arg[0]}[${f.with_arg[1]}]" : (f.single != null ? f.single[0] : "identity")
      column    = f.with_arg != null ? f.with_arg[2] : (f.single != null ? f.single[1] : f.raw)
      suffix    = f.with_arg != null ? f.with_arg[0] : (f.single != null ? f.single[0] : "identity")
    }
  ]
}

# Route chosen: the Glue CreateTable API with open_table_format_input.iceberg_input (metadata operation
# CREATE) and an iceberg_table_input carrying schema, partition spec and properties. Glue writes the first
# metadata.json itself, so no Athena DDL has to run at deploy time. After creation Iceberg owns the table:
# every commit rewrites parameters.metadata_location and Glue re-derives the storage descriptor, and a
# change to open_table_format_input would recreate the table, so those are ignored. Schema evolution after
# creation goes through Athena `ALTER TABLE ... ADD COLUMNS` (see infra/README.md).
resource "aws_glue_catalog_table" "this" {
  database_name = var.database_name
  name          = var.table_name
  description   = var.description

  open_table_format_input {
    iceberg_input {
      metadata_operation = "CREATE"
      version            = "2"

      iceberg_table_input {
        location   = var.location
        properties = var.table_properties

        schema {
          schema_id = 0
          type      = "struct"

          dynamic "fields" {
            for_each = local.schema_fields
            content {
              id       = fields.value.id
              name     = fields.value.name
              required = false
              type     = fields.value.type
            }
          }
        }

        dynamic "partition_spec" {
          for_each = length(local.partition_spec) > 0 ? [local.partition_spec] : []
          content {
            spec_id = 0

            dynamic "fields" {
              for_each = partition_spec.value
              content {
                field_id  = fields.value.field_id
                name      = fields.value.transform == "identity" ? fields.value.column : "${fields.value.column}_${fields.value.suffix}"
                source_id = index(local.column_names, fields.value.column) + 1
                transform = fields.value.transform
              }
            }
          }
        }
      }
    }
  }

  lifecycle {
    ignore_changes = [parameters, storage_descriptor, open_table_format_input]

    precondition {
      condition     = alltrue([for p in local.partition_spec : contains(local.column_names, p.column)])
      error_message = "Every partition transform must name a declared column."
    }
  }
}
