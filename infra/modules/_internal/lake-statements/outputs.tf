output "kms" {
  description = "Policy document (JSON) with statement Kms: kms:GenerateDataKey and kms:Decrypt on the lake's key; no statement without a key."
  value       = data.aws_iam_policy_document.kms.json
}

output "lake_formation" {
  description = "Policy document (JSON) with statement LakeFormationDataAccess; no statement when Lake Formation is off."
  value       = data.aws_iam_policy_document.lake_formation.json
}
