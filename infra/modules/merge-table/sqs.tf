# On-failure destination of the event source mapping: metadata of batches that exhausted their retries
# (shard, sequence range), so they can be replayed from the stream or the backfill.
resource "aws_sqs_queue" "on_failure" {
  name                      = "${local.name}-stream-on-failure"
  message_retention_seconds = 1209600

  sqs_managed_sse_enabled           = var.lake.kms_key_arn == null ? true : null
  kms_master_key_id                 = var.lake.kms_key_arn
  kms_data_key_reuse_period_seconds = var.lake.kms_key_arn == null ? null : 300

  tags = local.tags
}

data "aws_iam_policy_document" "on_failure_queue" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["sqs:*"]
    resources = [
      aws_sqs_queue.on_failure.arn,
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

resource "aws_sqs_queue_policy" "on_failure" {
  queue_url = aws_sqs_queue.on_failure.id
  policy    = data.aws_iam_policy_document.on_failure_queue.json
}
