resource "aws_s3_bucket" "this" {
  bucket        = local.bucket_name
  force_destroy = var.force_destroy

  tags = var.tags

  lifecycle {
    precondition {
      # The derived name grows with name_prefix and the region's name (a 32-character prefix in
      # ap-southeast-5 makes 65); S3 bucket names are 3-63 characters (S3 user guide, "Bucket naming
      # rules").
      condition     = length(local.bucket_name) >= 3 && length(local.bucket_name) <= 63
      error_message = "The lake bucket name is longer than 63 characters: shorten name_prefix or set bucket_name."
    }
  }
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket = aws_s3_bucket.this.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = local.sse_algorithm
      kms_master_key_id = var.kms_key_arn
    }
    # S3 Bucket Keys cut KMS request costs for the many small staging objects.
    bucket_key_enabled = var.kms_key_arn != null
  }
}

data "aws_iam_policy_document" "bucket" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.this.arn,
      "${aws_s3_bucket.this.arn}/*",
    ]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = data.aws_iam_policy_document.bucket.json

  # The public access block must exist first, or a policy with a "*" principal may be rejected.
  depends_on = [aws_s3_bucket_public_access_block.this]
}

# Lifecycle rules only on athena-results/ and quarantine/. Never on tables/ (Iceberg metadata points at
# every data file it still needs) nor on staging/ (an expired object would be a lost change).
resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "expire-athena-results"
    status = "Enabled"

    filter {
      prefix = local.prefixes.athena_results
    }

    expiration {
      days = var.athena_results_expiration_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  rule {
    id     = "expire-quarantine"
    status = "Enabled"

    filter {
      prefix = local.prefixes.quarantine
    }

    expiration {
      days = var.quarantine_expiration_days
    }
  }
}
