# tflint configuration used by the GitHub workflow (tflint cannot be installed on the offline
# development machines; `pnpm validate:infra` covers the provider schema there).
config {
  call_module_type = "local"
}

plugin "terraform" {
  enabled = true
  preset  = "recommended"
}

plugin "aws" {
  enabled = true
  version = "0.38.0"
  source  = "github.com/terraform-linters/tflint-ruleset-aws"
}
