data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  bucket_name = coalesce(var.bucket_name, "${var.name_prefix}-lake-${data.aws_caller_identity.current.account_id}-${data.aws_region.current.region}")

  # Fixed layout of the lake bucket. Staging never lives under an Iceberg table location, and neither
  # tables/ nor staging/ ever gets a lifecycle rule: Iceberg deletes its own files (VACUUM) and the
  # merger deletes exactly the staging objects it merged.
  prefixes = {
    tables         = "tables/"
    staging        = "staging/"
    quarantine     = "quarantine/"
    athena_results = "athena-results/"
  }

  sse_algorithm = var.kms_key_arn == null ? "AES256" : "aws:kms"
}
