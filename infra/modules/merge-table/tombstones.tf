# The tombstone table `<table>__tombstones`: one row per deleted key with the `_seq` of its delete,
# so that no older change of that key is merged after the delete (packages/core/src/sql/render-tombstones.ts,
# docs/DESIGN.md "Tombstones"). The merger's Athena engine runs CREATE TABLE IF NOT EXISTS for it in
# ensureTable; declaring it here as well makes it Terraform's: `terraform destroy` removes it with the
# table it belongs to (a table only the engine created outlived a destroy), and the engine's CREATE
# finds it and does nothing ("IF NOT EXISTS", Athena user guide, CREATE TABLE). Name, location and
# columns are the engine's (test/merge-table-tombstones.test.ts compares them with its DDL).

locals {
  tombstone_location = "s3://${var.lake.bucket_name}/${local.table_tombstone_prefix}"

  # The key columns in key order, then `_seq` (text) and `_deleted_at` (timestamp), as the engine's
  # createTombstones hook (packages/core/src/sql/dialect.ts) declares them.
  tombstone_columns = concat(
    [for k in var.table.key_columns : one([for c in var.table.columns : { name = c.name, type = c.type, iceberg_type = c.iceberg_type } if c.name == k])],
    [
      { name = "_seq", type = "string", iceberg_type = null },
      { name = "_deleted_at", type = "timestamp", iceberg_type = null },
    ],
  )
}

module "tombstone_table" {
  source = "../iceberg-table"

  database_name    = var.lake.glue_database_name
  table_name       = local.tombstone_table_name
  description      = "ddb-athena-sync: deleted keys of ${var.table.name} (merge mode), kept for the tombstone retention."
  location         = local.tombstone_location
  columns          = local.tombstone_columns
  table_properties = var.table.table_properties
}

# Lake Formation: the merger MERGEs into the tombstone table (INSERT, DELETE, SELECT), the maintainer
# deletes expired tombstones (DELETE), and both run the engine's CREATE TABLE IF NOT EXISTS, which
# reads the table's metadata (DESCRIBE). The module declares the table, so it grants on it; CREATE_TABLE
# on the database is not needed. INSERT, DELETE and SELECT apply to the data, ALTER and DESCRIBE to the
# metadata (terraform-provider-aws, website/docs/r/lakeformation_permissions.html.markdown; Lake
# Formation developer guide, "Lake Formation permissions reference"). The Terraform principal must be
# able to grant on the table: its creator is (Lake Formation developer guide, "Implicit Lake Formation
# permissions"). The grants on the Iceberg and staging tables stay the deployer's (infra/README.md).
resource "aws_lakeformation_permissions" "tombstones" {
  for_each = var.lake.lake_formation ? { merger = module.merger.role_arn, maintainer = module.maintainer.role_arn } : {}

  principal   = each.value
  permissions = ["SELECT", "INSERT", "DELETE", "ALTER", "DESCRIBE"]

  table {
    database_name = var.lake.glue_database_name
    name          = module.tombstone_table.name
  }
}
