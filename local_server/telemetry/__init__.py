"""What Lambda gives the other processes of an execution environment: the Telemetry API (2022-07-01),
the Logs API (2020-08-15) and the metadata endpoint (2026-01-15). Standard library only, 3.9+.

Pure (no socket, thread or lock; tests/local_server/telemetry/test_shape.py holds them to it):
  protocol           routes, schema versions, buffering bounds and defaults, the APIs' answers
  subscription       a subscription body read and checked: a Subscription, or what is wrong
  rules              who may subscribe, when; a repeated subscription ("Already subscribed")
  facts              what the environment tells: the function, an invocation, its moments
  telemetry_records  the Telemetry API's records, per schema version
  logs_records       the Logs API's records, per schema version
  emissions          each lifecycle moment as the records of either API, at any version
  encoding           event bytes, HTTP (a JSON array) and TCP (NDJSON) batches, the HTTP exchange
  batching           when records make a batch (maxItems, maxBytes, timeoutMs), when to drop
  lines              process output cut into log lines
  metadata           the metadata endpoint's variables and answers
Delivery:
  transport          one batch to an HTTP or TCP destination (the only socket)
  subscriber         one subscription's buffer and sender thread, drops, flush
  hub                one environment's telemetry: what the environment calls

The wiring (local_server/environment/platform_events.py does it), one TelemetryHub and one
MetadataEndpoint per environment (hub.TelemetryHub;
facts.FunctionFacts, Invoke, RuntimeDone, ResponseTimes, Report, Span, SUCCESS, ERROR, FAILURE,
TIMEOUT, fault_status; metadata.MetadataEndpoint, new_token):

  hub = TelemetryHub(FunctionFacts(name, version, arn, memory_mb, init_type, log_format, managed))
      name, version, memory_mb: AWS_LAMBDA_FUNCTION_NAME, _VERSION, _MEMORY_SIZE; arn: the
      function's ARN; init_type: AWS_LAMBDA_INITIALIZATION_TYPE ("lambda-managed-instances" when
      managed); log_format: AWS_LAMBDA_LOG_FORMAT; managed: AWS_LAMBDA_MAX_CONCURRENCY is set.
  endpoint = MetadataEndpoint(runtime_api_address, new_token(), zone_id="use1-az1")
      endpoint.environ() -> AWS_LAMBDA_METADATA_API, AWS_LAMBDA_METADATA_TOKEN: into the
      environment of the runtime and of every extension.

The Runtime API's server (one address for the Runtime, Extensions, Telemetry and Logs APIs and
the metadata endpoint, as on Lambda and in the RIE) routes:
  MetadataEndpoint.handles(path) -> endpoint.handle(method, path, headers)  (headers in lower case)
  TelemetryHub.handles(path)     -> the Extensions API finds the extension by its
      Lambda-Extension-Identifier (403 Extension.MissingExtensionIdentifier or
      Extension.UnknownExtensionIdentifier as for its other calls), then
      hub.subscribe(method, path, extension.name, body, init_over) -> (status, headers, body)
      init_over: the init phase has ended (the runtime and every extension are ready): then
      every subscription is refused with Lambda's 403.

Each moment of the lifecycle, as it happens (the records' times are the moments of the calls):
  init starts (before the extensions and the runtime)      hub.init_start(phase="init")
      phase "invoke" for an init run again within an invocation (after a failed one)
  the runtime's init ended: its first /next (SUCCESS), its /init/error (ERROR, the posted
  type), a crash (fault_status(type)) or a timeout (TIMEOUT)
                                                           hub.init_runtime_done(status, error_type)
  then, for each extension, once it is ready (its first event/next)
                                                           hub.extension_state(name, events)
  init ended (the runtime and every extension ready)       hub.init_report(duration_ms, status, error_type)
  an invocation handed to the runtime (its /next answered)  hub.invoke_start(Invoke(request_id, trace_id, tenant_id))
  the runtime done with it: its next /next, or a crash or timeout seen (status as for init;
  a function's error posted to /error: ERROR and its type, as the platform's JSON records say)
      hub.runtime_done(invoke, RuntimeDone(status, ResponseTimes(delivered, response_started,
                       response_finished), done, produced_bytes, error_type))
      (not sent under managed instances: Lambda sends none there)
  the invocation's end, when its REPORT line is written (after the extensions are back)
      hub.report(invoke, Report(status, duration_ms, billed_ms, max_memory_used_mb,
                 init_duration_ms, error_type, function_error, extension_overhead, times))
  bytes read from a pipe of the runtime (or its children) or of an extension
      hub.function_output(source, data) / hub.extension_output(source, data)
      source names the pipe ("runtime:stdout", "<extension name>:stderr"): lines are cut per pipe
  a pipe closed                                            hub.output_ended(source)
  shutdown: after the runtime is stopped, hub.flush(1.0) (AWS's RIE waits at most 1 s), then
  SHUTDOWN to the extensions (their own logs still flow); when they are gone or their
  deadline passed, hub.close(remaining seconds)

Delivery never blocks a caller: every call above only queues records for the subscribers' own
threads. With no subscription, a call after init costs a check.
"""
