# The base image for Python functions on AWS Lambda, x86_64. Dockerfile.arm64 is this
# file with the architecture's values changed, and a test fails if the two drift apart.
#   make build            (or: docker build --build-arg BASE_IMAGE=python:3.13-slim-trixie .)
# A function image then only needs:  FROM lambda-python:x86_64 / COPY app.py ./ / CMD ["app.handler"]
ARG BASE_IMAGE=python:3.13-slim-trixie
FROM ${BASE_IMAGE}

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

# As AWS's Python images: the task root is the working directory and first on sys.path.
ENV LANG=C.UTF-8 \
    LAMBDA_TASK_ROOT=/var/task \
    LAMBDA_RUNTIME_DIR=/var/runtime

COPY build/rie/aws-lambda-rie-x86_64 /usr/local/bin/aws-lambda-rie
COPY image/lambda-entrypoint.sh /lambda-entrypoint.sh
COPY runtime/bootstrap /var/runtime/bootstrap
COPY runtime/lambda_runtime /var/runtime/lambda_runtime

# Lambda runs images read-only, as a uid not known in advance: every file is world-readable,
# and the runtime's bytecode is compiled now (unchecked-hash: it never changes in an image).
# The executables keep the 0755 they have in the build context: a chmod here would copy
# the 9 MB RIE into a second layer.
RUN echo "${RIE_SHA256}  /usr/local/bin/aws-lambda-rie" | sha256sum -c --quiet - \
 && python3 -m compileall -q --invalidation-mode unchecked-hash /var/runtime/lambda_runtime \
 && chmod -R a+rX /var/runtime \
 && test -x /usr/local/bin/aws-lambda-rie -a -x /lambda-entrypoint.sh -a -x /var/runtime/bootstrap \
 && mkdir -p /var/task /opt && chmod 0755 /var/task \
 && cd / && python3 -c "import sys; sys.path.insert(0, '/var/runtime'); import lambda_runtime.loop" \
 && test "$(uname -m)" = x86_64

WORKDIR /var/task
ENTRYPOINT ["/lambda-entrypoint.sh"]
