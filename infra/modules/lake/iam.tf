# The lake key's Kms statement and Lake Formation's GetDataAccess, as every role of the table modules
# gets them.
module "lake_statements" {
  source = "../_internal/lake-statements"

  kms_key_arn    = var.kms_key_arn
  lake_formation = var.lake_formation
}

# What a role needs to query the lake's tables through the query workgroup (output query_policy_json).
data "aws_iam_policy_document" "query" {
  override_policy_documents = [module.lake_statements.kms, module.lake_statements.lake_formation]

  statement {
    sid = "AthenaQueries"
    actions = [
      "athena:StartQueryExecution",
      "athena:GetQueryExecution",
      "athena:GetQueryResults",
      "athena:StopQueryExecution",
      "athena:GetWorkGroup",
    ]
    resources = [aws_athena_workgroup.this.arn]
  }

  statement {
    sid = "GlueRead"
    actions = [
      "glue:GetDatabase",
      "glue:GetTable",
      "glue:GetTables",
      "glue:GetPartitions",
    ]
    resources = [
      "arn:${data.aws_partition.current.partition}:glue:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:catalog",
      aws_glue_catalog_database.this.arn,
      "arn:${data.aws_partition.current.partition}:glue:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:table/${aws_glue_catalog_database.this.name}/*",
    ]
  }

  statement {
    sid       = "ReadTables"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.this.arn}/${local.prefixes.tables}*"]
  }

  statement {
    # Athena writes query results with the caller's credentials.
    sid       = "QueryResults"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
    resources = ["${aws_s3_bucket.this.arn}/${local.prefixes.athena_results}*"]
  }

  statement {
    sid       = "ListLake"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [aws_s3_bucket.this.arn]
  }
}
