#!/bin/sh
# The image's entry point, with the contract of AWS's Python base images: exactly one
# argument, the handler. Outside Lambda (no AWS_LAMBDA_RUNTIME_API) the runtime runs
# under the RIE, so `docker run -p 9000:8080 IMAGE` + curl works; under Lambda, SAM CLI
# or an outer RIE, the runtime runs directly against the API it is given.
if [ $# -ne 1 ]; then
  echo "entrypoint requires the handler name to be the first argument" 1>&2
  exit 142
fi
export _HANDLER="$1"

RUNTIME_ENTRYPOINT=/var/runtime/bootstrap
if [ -z "${AWS_LAMBDA_RUNTIME_API:-}" ]; then
  exec /usr/local/bin/aws-lambda-rie "$RUNTIME_ENTRYPOINT"
else
  exec "$RUNTIME_ENTRYPOINT"
fi
