# The base image for Python functions on AWS Lambda, x86_64. Dockerfile.arm64 is this
# file with the architecture's values changed, and a test fails if the two drift apart.
#   make build   (or: docker build --build-arg BASE_IMAGE=python:3.13-slim-trixie .)
# Two variants: the default image carries the AWS SDK (boto3) as AWS's Python images do;
# `--target slim` leaves it out. A function image then only needs:
#   FROM lambda-python:x86_64 / COPY app.py ./ / CMD ["app.handler"]
ARG BASE_IMAGE=python:3.13-slim-trixie

# --- the local server (LAMBDA_EMULATOR=local), packed by the image's own Python -------
# In a stage of its own, so that only the zip (sources and bytecode, compressed: about
# 170 KB) reaches the image.
FROM ${BASE_IMAGE} AS local-server
COPY image/pack-local-server.py /tmp/pack-local-server.py
COPY local_server /tmp/local_server
COPY runtime/lambda_runtime_api /tmp/lambda_runtime_api
RUN python3 /tmp/pack-local-server.py /tmp/local_server /tmp/lambda_runtime_api /tmp/local_server.zip \
 && chmod 0644 /tmp/local_server.zip \
 && python3 /tmp/local_server.zip --help >/dev/null

# --- slim: the Python base, the runtime, the RIE, AWS's environment -------------------
FROM ${BASE_IMAGE} AS slim

# Filled in by `make build` from git: where this came from and which commit.
ARG VERSION=dev
ARG REVISION=unknown
ARG SOURCE=unknown
# AWS's RIE for x86_64 (aws-sam-cli 1.170.0's samcli/local/rapid/; fetched by scripts/fetch-rie.sh).
ARG RIE_SHA256=6b1e686e62ab2baf5759c412c4864276ef2a88b094fca53ec070637ccba9b9a5

LABEL org.opencontainers.image.title="lambda-python" \
      org.opencontainers.image.description="Python base image for AWS Lambda with a pure-Python runtime" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"

# AWS's Python images (aws/aws-lambda-base-images, Dockerfile.python3.13) set TZ, PATH and
# LD_LIBRARY_PATH so that native libraries shipped in the function (/var/task/lib) or a
# layer (/opt/lib) load by name and layer binaries (/opt/bin) run by name. Their other
# entries (/var/lang/*, /lib64, /usr/lib64) are where Amazon Linux keeps Python and the
# system's libraries; here the dynamic linker finds those through /etc/ld.so.conf.
# LANG: C.UTF-8, the UTF-8 locale every Debian has (AWS's en_US.UTF-8 is not installed).
ENV LANG=C.UTF-8 \
    TZ=:/etc/localtime \
    PATH=${PATH}:/opt/bin \
    LD_LIBRARY_PATH=/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib \
    LAMBDA_TASK_ROOT=/var/task \
    LAMBDA_RUNTIME_DIR=/var/runtime

COPY build/rie/aws-lambda-rie-x86_64 /usr/local/bin/aws-lambda-rie
COPY image/lambda-entrypoint.sh /lambda-entrypoint.sh
COPY runtime/bootstrap /var/runtime/bootstrap
COPY runtime/lambda_runtime /var/runtime/lambda_runtime
# The Runtime API's paths, headers and limits, shared with the local server (in its zip too).
COPY runtime/lambda_runtime_api /var/runtime/lambda_runtime_api

# Lambda runs images read-only, as a uid not known in advance: every file is world-readable,
# and the runtime's bytecode is compiled now (unchecked-hash: it never changes in an image).
# The executables keep the 0755 they have in the build context: a chmod here would copy
# the 9 MB RIE into a second layer. The bootstrap's first line names this image's python3,
# so the kernel starts it without a shell (runtime/bootstrap says why).
RUN echo "${RIE_SHA256}  /usr/local/bin/aws-lambda-rie" | sha256sum -c --quiet - \
 && python3 -m compileall -q --invalidation-mode unchecked-hash /var/runtime/lambda_runtime \
    /var/runtime/lambda_runtime_api \
 && sed -i "1s|.*|#!$(command -v python3) -u|" /var/runtime/bootstrap \
 && chmod -R a+rX /var/runtime \
 && test -x /usr/local/bin/aws-lambda-rie -a -x /lambda-entrypoint.sh -a -x /var/runtime/bootstrap \
 && mkdir -p /var/task /opt && chmod 0755 /var/task \
 && cd / && python3 -c "import sys; sys.path.insert(0, '/var/runtime'); import lambda_runtime.loop" \
 && python3 -m pip --version >/dev/null \
 && test "$(uname -m)" = x86_64

# After the chmod above, which would copy it into a second layer: world-readable already.
COPY --from=local-server /tmp/local_server.zip /var/runtime/local_server.zip

WORKDIR /var/task
ENTRYPOINT ["/lambda-entrypoint.sh"]

# --- the AWS SDK, installed where `pip install` puts packages -------------------------
# Installed in a stage of its own and copied over, so the wheels never become a layer.
# pip installs into the interpreter's own site-packages, as in AWS's 3.11+ images
# (/var/lang/lib/python3.X/site-packages): a user's own boto3 wins, from the task root
# (first on sys.path) or by a plain `pip install`, which replaces this one. The same for the
# durable execution SDK, which pip installs on the lines AWS's runtimes have it on (the marker
# in image/sdk-requirements.txt: 3.13 and later), stamped `+bundled` as AWS's runtimes stamp
# their copy (image/stamp-bundled.py says why).
FROM slim AS sdk-install
COPY build/sdk /tmp/sdk
COPY image/stamp-bundled.py /tmp/stamp-bundled.py
RUN python3 -m pip install --quiet --no-index --no-deps --no-compile --require-hashes \
      --root-user-action=ignore --disable-pip-version-check \
      --find-links /tmp/sdk --root /tmp/sdk-root -r /tmp/sdk/requirements.txt \
 && python3 /tmp/stamp-bundled.py /tmp/sdk-root >/dev/null

# --- the default image: slim + the AWS SDK ----------------------------------------------
# The smoke test: the SDK imports, and a durable SDK reports itself as the runtime's copy
# (`aws-durable-execution-sdk-python/X.Y.Z-bundled` in its user agent).
FROM slim
COPY --from=sdk-install /tmp/sdk-root/ /
RUN site=$(python3 -c "import boto3, os; print(os.path.dirname(os.path.dirname(boto3.__file__)))") \
 && python3 -m compileall -q "$site" \
 && python3 -c "import boto3, botocore, s3transfer, jmespath, dateutil, urllib3" \
 && { [ ! -e "$site/aws_durable_execution_sdk_python" ] || python3 -c "from aws_durable_execution_sdk_python \
      import lambda_service as s; v = s.__version__; \
      assert s._is_bundled(v) and s._user_agent_version(v) == v.removesuffix('+bundled') + '-bundled', v"; } \
 && test "$(uname -m)" = x86_64
