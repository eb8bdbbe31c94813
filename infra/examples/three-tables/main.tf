# Three tables in one lake, declared in this directory's ddb-athena-sync.tables.json and read through
# its Terraform export (`ddb-athena-sync export-terraform` writes ddb-athena-sync.terraform.json next to
# it). Every merge-mode table gets a merge-table module, every firehose-mode one a firehose-table
# module, all from the same three zips. Outside this repository, source the modules by git:
#   source = "git::https://<host>/<owner>/ddb-athena-sync.git//infra/modules/merge-table?ref=<tag>"
locals {
  tables = jsondecode(file("${path.module}/ddb-athena-sync.terraform.json")).tables

  merge_tables    = { for name, t in local.tables : name => t if t.mode == "merge" }
  firehose_tables = { for name, t in local.tables : name => t if t.mode == "firehose" }
}

module "lake" {
  source = "../../modules/lake"

  name_prefix        = var.name_prefix
  glue_database_name = replace(var.name_prefix, "-", "_")
  force_destroy      = var.force_destroy
}

module "merge_table" {
  source   = "../../modules/merge-table"
  for_each = local.merge_tables

  name_prefix       = var.name_prefix
  table             = each.value
  lake              = module.lake.lake
  stream_writer_zip = var.lambda_zips.stream_writer
  merger_zip        = var.lambda_zips.merger
  force_destroy     = var.force_destroy
}

module "firehose_table" {
  source   = "../../modules/firehose-table"
  for_each = local.firehose_tables

  name_prefix            = var.name_prefix
  table                  = each.value
  lake                   = module.lake.lake
  firehose_transform_zip = var.lambda_zips.firehose_transform
  force_destroy          = var.force_destroy
}
