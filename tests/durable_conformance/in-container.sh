#!/bin/sh
# Inside lambda-python:3.14-x86_64 (make durable-conformance): the conformance package from the
# wheels fetched on the host (/out/wheels), kept apart from the image's own packages, then run.py
# against local servers started from the image's own /var/runtime/local_server.zip.
set -eu
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-index --no-deps \
  --require-hashes --target /tmp/conformance-site --find-links /out/wheels -r /conformance/requirements.txt
cd /conformance
PYTHONPATH=/tmp/conformance-site exec python3 run.py --server "python3 /var/runtime/local_server.zip" \
  --runtime /var/runtime/bootstrap --handlers /conformance/handlers --out /out/report "$@"
