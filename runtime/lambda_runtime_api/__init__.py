"""The Lambda Runtime API (2018-06-01) and Extensions API (2020-01-01), written down once.

Paths, headers, limits and error types, as both sides of the API use them: the runtime that
calls it (`lambda_runtime.api_protocol`) and the local server that serves it
(`local_server.wire.runtime_api`), and the tests' and the benchmark's fake APIs. Neither side
imports the other; both import this. In the image it sits beside the runtime in /var/runtime,
and in the local server's zip.

Constants only, and no imports: the runtime loads it at start, where every module costs
(the runtime's init is measured against a bare socket loop by `make bench`).

Sources: AWS "Using the Lambda runtime API for custom runtimes", "Implementing response
streaming in a custom runtime", "Extensions API", "Lambda quotas"; AWS's RIE (rapi).
"""

# --- the Runtime API ----------------------------------------------------------------------
RUNTIME_PREFIX = "/2018-06-01/runtime"
NEXT_PATH = RUNTIME_PREFIX + "/invocation/next"
INVOCATION_PREFIX = RUNTIME_PREFIX + "/invocation/"  # + {request id} + RESPONSE or ERROR
RESPONSE = "response"
ERROR = "error"
INIT_ERROR_PATH = RUNTIME_PREFIX + "/init/error"

# The `GET /next` reply's headers: the invocation.
REQUEST_ID_HEADER = "Lambda-Runtime-Aws-Request-Id"
DEADLINE_HEADER = "Lambda-Runtime-Deadline-Ms"
FUNCTION_ARN_HEADER = "Lambda-Runtime-Invoked-Function-Arn"
TRACE_ID_HEADER = "Lambda-Runtime-Trace-Id"
CLIENT_CONTEXT_HEADER = "Lambda-Runtime-Client-Context"
COGNITO_IDENTITY_HEADER = "Lambda-Runtime-Cognito-Identity"
TENANT_ID_HEADER = "Lambda-Runtime-Aws-Tenant-Id"
INVOCATION_ID_HEADER = "Lambda-Runtime-Invocation-Id"

# What the runtime posts with a response or an error.
RESPONSE_MODE_HEADER = "Lambda-Runtime-Function-Response-Mode"
STREAMING_MODE = "streaming"  # its one value: a chunked body, passed on as it arrives
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"  # also a trailer of a streamed response
ERROR_BODY_TRAILER = "Lambda-Runtime-Function-Error-Body"  # base64 of the JSON error body
XRAY_CAUSE_HEADER = "Lambda-Runtime-Function-XRay-Error-Cause"
# A streamed response's default type (Node.js's ResponseStream.js), and the one that starts
# with a JSON prelude and 8 NUL bytes for function URLs and API Gateway (HttpResponseStream.js).
STREAMING_CONTENT_TYPE = "application/octet-stream"
HTTP_INTEGRATION_CONTENT_TYPE = "application/vnd.awslambda.http-integration-response"
HTTP_PRELUDE_DELIMITER = b"\0" * 8

# A buffered response: "Lambda quotas", 6 MB = 6,291,556 bytes (the RIE's MaxPayloadSize too);
# a streamed one: 200 MB.
MAX_BUFFERED_RESPONSE = 6_291_556
MAX_STREAMED_RESPONSE = 200 * 1024 * 1024

# The API's refusals (status: error type), as Lambda's and the RIE's rapi answer them.
INVALID_REQUEST_ID = "InvalidRequestID"  # 400: no such invocation
INVALID_STATE_TRANSITION = "InvalidStateTransition"  # 403: answered already, or init has ended
INVOKE_TIMEOUT = "InvokeTimeout"  # 410: answered after a managed instance's timeout
REQUEST_TOO_LARGE = "RequestEntityTooLarge"  # 413: a response over its limit

# Error types of invocations the platform ends.
RESPONSE_SIZE_TOO_LARGE = "Function.ResponseSizeTooLarge"
SANDBOX_TIMEDOUT = "Sandbox.Timedout"
RUNTIME_EXIT = "Runtime.ExitError"

# --- the Extensions API -------------------------------------------------------------------
EXTENSION_PREFIX = "/2020-01-01/extension"
EXTENSION_REGISTER_PATH = EXTENSION_PREFIX + "/register"
EXTENSION_NEXT_PATH = EXTENSION_PREFIX + "/event/next"
EXTENSION_INIT_ERROR_PATH = EXTENSION_PREFIX + "/init/error"
EXTENSION_EXIT_ERROR_PATH = EXTENSION_PREFIX + "/exit/error"
EXTENSION_NAME_HEADER = "Lambda-Extension-Name"
EXTENSION_ID_HEADER = "Lambda-Extension-Identifier"
EXTENSION_EVENT_ID_HEADER = "Lambda-Extension-Event-Identifier"
EXTENSION_ACCEPT_FEATURE_HEADER = "Lambda-Extension-Accept-Feature"
EXTENSION_ERROR_TYPE_HEADER = "Lambda-Extension-Function-Error-Type"
