#!/bin/sh
# The image's entry point, with the contract of AWS's Python base images: exactly one
# argument, the handler. Outside Lambda (no AWS_LAMBDA_RUNTIME_API) the runtime runs
# under an emulator, so `docker run -p 9000:8080 IMAGE` + curl works: AWS's RIE by default,
# our local server with LAMBDA_EMULATOR=local. Under Lambda, SAM CLI or an outer RIE, the
# runtime runs directly against the API it is given.
if [ $# -ne 1 ]; then
  echo "entrypoint requires the handler name to be the first argument" 1>&2
  exit 142
fi
export _HANDLER="$1"

RUNTIME_ENTRYPOINT=/var/runtime/bootstrap
if [ -n "${AWS_LAMBDA_RUNTIME_API:-}" ]; then
  exec "$RUNTIME_ENTRYPOINT"
fi
case ${LAMBDA_EMULATOR:-rie} in
  rie) exec /usr/local/bin/aws-lambda-rie "$RUNTIME_ENTRYPOINT" ;;
  local) exec python3 /var/runtime/local_server.zip "$RUNTIME_ENTRYPOINT" ;;
  *) echo "LAMBDA_EMULATOR must be rie (the default) or local, not '$LAMBDA_EMULATOR'" 1>&2; exit 2 ;;
esac
