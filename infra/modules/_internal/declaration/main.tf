# The declaration of one table, delivered to its functions: the Lambda artifacts hold no declaration
# (one build serves every table), so each function gets its table's at deploy time, with the hash
# Terraform computed, and refuses to run on anything else (packages/core config/env.ts).
#
# Lambda allows 4 KB for all environment variables of a function, in aggregate (Lambda developer
# guide, "Lambda quotas": Function configuration, "Function environment variables"); an update that
# exceeds it fails with "exceeds 4096 byte limit". A declaration of a few dozen columns fits; a wide
# one goes to an S3 object the function reads once at cold start.
locals {
  sha256 = sha256(var.declaration)
  key    = "declarations/${var.table_name}/${local.sha256}.json"
  uri    = "s3://${var.bucket_name}/${local.key}"

  inline = {
    TABLE_DECLARATION        = var.declaration
    TABLE_DECLARATION_SHA256 = local.sha256
  }

  # Bytes, not characters: base64 of the UTF-8 text is 4 characters per 3 bytes, rounded up, so this
  # bounds the byte length from above (a description in another script counts its real size). The
  # JSON of the whole map counts names, values and the separators, more than Lambda counts.
  inline_bytes = [for env in var.environments : ceil(length(base64encode(jsonencode(merge(env, local.inline)))) * 3 / 4)]
  fits         = alltrue([for bytes in local.inline_bytes : bytes <= 4096])
  in_s3        = var.delivery == "s3" || (var.delivery == "auto" && !local.fits)

  environment = local.in_s3 ? {
    TABLE_DECLARATION_S3_URI = local.uri
    TABLE_DECLARATION_SHA256 = local.sha256
  } : local.inline
}

# The key carries the hash: a changed declaration is a new object (and a new TABLE_DECLARATION_SHA256,
# so new execution environments), never an old environment reading a new object.
resource "aws_s3_object" "this" {
  count = local.in_s3 ? 1 : 0

  bucket       = var.bucket_name
  key          = local.key
  content      = var.declaration
  content_type = "application/json"
  kms_key_id   = var.kms_key_arn
  tags         = var.tags
}
