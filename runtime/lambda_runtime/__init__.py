"""A pure-Python runtime for AWS Lambda: the loop behind /var/runtime/bootstrap.

Layout, by Runtime API concern:
  config           the environment, read once at start
  api_protocol     requests and replies as pure functions (no I/O)
  api_client       the HTTP/1.1 keep-alive connection to the Runtime API
  handler          sys.path and loading the user's handler (init errors)
  marshal          events in, results out (JSON like awslambdaric)
  context          the LambdaContext handed to the handler
  errors           error bodies, stack traces and the X-Ray cause
  log_sinks        where log records go: stdout or the telemetry fd
  error_reports    init and invoke errors as log records
  root_logger      the root logger's handler (imported once the user imports logging)
  log_json         the JSON log format
  import_hook      running code right after a module's first import
  request_context  the invocation a thread or task is serving
  invoke           one invocation: the handler called, its result (buffered or streamed) posted
  streaming        StreamingResponse, what a streaming handler may return
  event_loop       the one event loop of `async def` handlers
  bootstrap        awslambdaric's hook surface (handle_event_request, LambdaRuntimeClient)
  shutdown         SIGTERM: a clean exit, and the opt-in internal extension
  workers          managed instances: N worker processes
  loop             the runtime loop: init, then next -> invoke -> respond
"""

__version__ = "0.1.0"
