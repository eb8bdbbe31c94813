# IAM statements that every role touching the lake's table files needs in the same form, as policy
# documents a caller merges into its own with override_policy_documents (statements whose sid the
# caller does not use are appended after the caller's own, so each policy keeps its order).
data "aws_iam_policy_document" "kms" {
  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]
    content {
      # The lake's objects are encrypted with this key: Decrypt reads them, GenerateDataKey writes them.
      sid       = "Kms"
      actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
      resources = [statement.value]
    }
  }
}

data "aws_iam_policy_document" "lake_formation" {
  dynamic "statement" {
    for_each = var.lake_formation ? ["lakeformation"] : []
    content {
      sid     = "LakeFormationDataAccess"
      actions = ["lakeformation:GetDataAccess"]
      # iam-wildcard: lakeformation:GetDataAccess has no resource type (Service Authorization Reference,
      # AWS Lake Formation); the Lake Formation grants on the database and tables scope it.
      resources = ["*"]
    }
  }
}
