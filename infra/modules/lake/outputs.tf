output "bucket_name" {
  description = "Name of the lake bucket."
  value       = aws_s3_bucket.this.id
}

output "bucket_arn" {
  description = "ARN of the lake bucket."
  value       = aws_s3_bucket.this.arn
}

output "kms_key_arn" {
  description = "KMS key that encrypts the bucket and Athena results, or null for SSE-S3."
  value       = var.kms_key_arn
}

output "prefixes" {
  description = "Key prefixes of the bucket layout: tables, staging, quarantine, athena_results (each ending in \"/\")."
  value       = local.prefixes
}

output "glue_database_name" {
  description = "Name of the Glue database."
  value       = aws_glue_catalog_database.this.name
}

output "glue_database_arn" {
  description = "ARN of the Glue database."
  value       = aws_glue_catalog_database.this.arn
}

output "glue_catalog_arn" {
  description = "ARN of the account's Glue Data Catalog (needed by IAM policies and Firehose)."
  value       = "arn:${data.aws_partition.current.partition}:glue:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:catalog"
}

output "athena_workgroup_name" {
  description = "Name of the Athena workgroup (engine version 3, enforced configuration)."
  value       = aws_athena_workgroup.this.name
}

output "athena_workgroup_arn" {
  description = "ARN of the Athena workgroup."
  value       = aws_athena_workgroup.this.arn
}

output "athena_results_location" {
  description = "S3 URI where the workgroup writes query results."
  value       = "s3://${aws_s3_bucket.this.id}/${local.prefixes.athena_results}"
}

output "lake" {
  description = "Everything a table module needs about the lake, as one object to pass to merge-table and firehose-table."
  value = {
    bucket_name           = aws_s3_bucket.this.id
    bucket_arn            = aws_s3_bucket.this.arn
    kms_key_arn           = var.kms_key_arn
    glue_catalog_arn      = "arn:${data.aws_partition.current.partition}:glue:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:catalog"
    glue_database_name    = aws_glue_catalog_database.this.name
    glue_database_arn     = aws_glue_catalog_database.this.arn
    athena_workgroup_name = aws_athena_workgroup.this.name
    athena_workgroup_arn  = aws_athena_workgroup.this.arn
    merge_workgroup_name  = aws_athena_workgroup.merge.name
    merge_workgroup_arn   = aws_athena_workgroup.merge.arn
    lake_formation        = var.lake_formation
  }
}

output "merge_workgroup_name" {
  description = "Name of the Athena workgroup for MERGE and maintenance (its own bytes-scanned cutoff)."
  value       = aws_athena_workgroup.merge.name
}

output "query_policy_json" {
  description = "IAM policy document (JSON) for a role that queries the lake tables in the query workgroup: attach it to your analysts' or applications' roles."
  value       = data.aws_iam_policy_document.query.json
}
