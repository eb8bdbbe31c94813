# An IAM role that one AWS service assumes on behalf of this account only, with one inline policy.
# The condition on the account is what keeps another account's resource from using the service to act
# as this role (IAM user guide, "The confused deputy problem"): aws:SourceAccount for most services;
# Firehose's trust policy checks sts:ExternalId, which Firehose sets to the account id (the trust
# policy in the Firehose developer guide, "Grant Firehose access to an Amazon S3 destination").
data "aws_iam_policy_document" "assume" {
  statement {
    sid     = var.assume_sid
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = [var.service]
    }

    condition {
      test     = "StringEquals"
      variable = var.account_condition_key
      values   = [var.account_id]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = var.name
  assume_role_policy = data.aws_iam_policy_document.assume.json

  tags = var.tags
}

resource "aws_iam_role_policy" "this" {
  name   = var.policy_name
  role   = aws_iam_role.this.id
  policy = var.policy_json
}
