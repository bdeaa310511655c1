"""Lambda durable executions, run locally: the durable execution API of botocore's Lambda model
(API version 2025-12-01) for handlers written with aws-durable-execution-sdk-python.

Three floors, as the rest of the server (docs/architecture.md "The local server, by floor"):
- `wire/`: pure wire format: HTTP requests of the 12 operations to typed requests (`routing`,
  `requests`), results and errors to botocore's answers (`responses`, `errors`, `shapes`), ARNs,
  timestamps, the handler's durable event and its `{"Status": ...}` output (`invocation_event`).
- `engine/`: executions, checkpoint transitions (`updates`), history (`history`), timers and
  outside completions (`progress`), invocations and their retry policy (`invocations`, `launch`,
  `ending`), the time scale (`clock`) and what comes due under it (`scheduling`), the 12 operations
  (`api_operations`), the facade (`engine`).
- `store/`: SQLite under the state folder (`sqlite_store`, `codec`).

What a server does with it:

    engine = DurableEngine(EngineConfig((FunctionConfig("fn", execution_timeout=900),), time_scale=1.0),
                           invoke, SqliteStore(state_dir)).start()
    api = DurableApi(engine)            # api.answer(method, target, body) for paths under /2025-12-01/
    engine.start_execution("fn", "$LATEST", payload_text, name=None)   # Invoke of a durable function
    engine.wait_for_end(arn, timeout)   # a synchronous invoke's wait
    engine.close()

`invoke(InvocationRequest) -> InvocationOutcome` runs the function once with `request.event`.
"""
