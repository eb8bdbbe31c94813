output "environment" {
  description = "The variables that give a function its declaration: TABLE_DECLARATION (or TABLE_DECLARATION_S3_URI) and TABLE_DECLARATION_SHA256."
  value       = local.environment
}

output "in_s3" {
  description = "True when the declaration is delivered as an S3 object (the functions need s3:GetObject on object_arn)."
  value       = local.in_s3
}

output "object_arn" {
  description = "ARN of the declaration object (whether or not it is used)."
  value       = "${var.bucket_arn}/${local.key}"
}

output "sha256" {
  description = "SHA-256 of the declaration, as the functions check it."
  value       = local.sha256
}

output "inline_bytes" {
  description = "Upper bound of each function's environment size with the declaration inline, in bytes (Lambda's limit is 4096)."
  value       = local.inline_bytes
}
