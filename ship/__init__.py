"""Ship function images to ECR and point Lambda functions at them (`make push`, `make deploy`).

  cli       `python -m ship push|publish-base|deploy`: arguments and exit codes
  push      push and publish-base: local images, checked, pushed one per architecture
  rollback  what a failed push undoes, never an earlier release
  deploy    UpdateFunctionCode, guarded by architecture, waited on
  ecr       the repository and the registry login for it
  registry  where a push goes, and the OCI distribution calls a rollback needs elsewhere
  docker    the Docker CLI: a throwaway login, tag, push, manifests
  aws       boto3 sessions, and AWS errors turned into one clear line
  tables    image/*.tsv (architectures), shared with the Makefile and tests/
"""
