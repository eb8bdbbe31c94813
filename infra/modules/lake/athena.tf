resource "aws_athena_workgroup" "this" {
  name          = var.name_prefix
  description   = "ddb-athena-sync: merges, maintenance and queries of the lake tables."
  state         = "ENABLED"
  force_destroy = var.force_destroy

  configuration {
    # Clients cannot override the result location, encryption or engine version.
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true
    bytes_scanned_cutoff_per_query     = var.athena_bytes_scanned_cutoff_per_query

    engine_version {
      # Pinned: MERGE INTO, OPTIMIZE and VACUUM on Iceberg need engine version 3.
      selected_engine_version = "Athena engine version 3"
    }

    result_configuration {
      output_location       = "s3://${aws_s3_bucket.this.id}/${local.prefixes.athena_results}"
      expected_bucket_owner = data.aws_caller_identity.current.account_id

      encryption_configuration {
        encryption_option = var.kms_key_arn == null ? "SSE_S3" : "SSE_KMS"
        kms_key_arn       = var.kms_key_arn
      }
    }
  }

  tags = var.tags
}

# MERGE and maintenance (OPTIMIZE, VACUUM) run in a workgroup of their own, so that their bytes-scanned
# limit is not the one that guards interactive queries: the cutoff cancels any query over it, DML
# included (Athena user guide, "Using workgroups to control query access and costs", data usage
# controls), and a MERGE reads the target partitions it may touch, which grow with the table.
resource "aws_athena_workgroup" "merge" {
  name          = "${var.name_prefix}-merge"
  description   = "ddb-athena-sync: MERGE and maintenance of the lake tables (merger and maintainer functions)."
  state         = "ENABLED"
  force_destroy = var.force_destroy

  configuration {
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true
    bytes_scanned_cutoff_per_query     = var.merge_bytes_scanned_cutoff_per_query

    engine_version {
      selected_engine_version = "Athena engine version 3"
    }

    result_configuration {
      output_location       = "s3://${aws_s3_bucket.this.id}/${local.prefixes.athena_results}"
      expected_bucket_owner = data.aws_caller_identity.current.account_id

      encryption_configuration {
        encryption_option = var.kms_key_arn == null ? "SSE_S3" : "SSE_KMS"
        kms_key_arn       = var.kms_key_arn
      }
    }
  }

  tags = var.tags
}
