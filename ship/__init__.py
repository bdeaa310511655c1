"""Ship function images to ECR and point Lambda functions at them (`make push`, `make deploy`).

  aws     boto3 sessions, and AWS errors turned into one clear line
  ecr     the repository and the registry login for it
  docker  the Docker CLI: a throwaway login, tag, push, manifests
  deploy  UpdateFunctionCode, guarded by architecture, waited on
  cli     `python -m ship push|publish-base|deploy`
"""
