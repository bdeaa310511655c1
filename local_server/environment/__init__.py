"""The execution environment's side: what runs the function, and the APIs it calls.

  pool             the environments: one per in-flight request, up to the maximum; per tenant
  admission        the line of requests waiting for one, and the reserved concurrency
  runner           one invocation from start to end, on the caller's thread
  environment      one environment: keeps its processes, owns its init and mailbox, ends
  init             its init phase, which ends once, ready or failed
  mailbox          invocations between the callers and the runtime's connections
  invocation       one invocation and the one table of its transitions
  latch            what the caller's thread waits on for the answer
  listener         the address of its Runtime API, and the connections accepted there
  runtime_api      a connection of the runtime to its Runtime API, driven by its own thread
  extensions_api   the Extensions API of one environment
  platform_events  what the platform tells of it: its log lines, its telemetry (the Telemetry
                   and Logs APIs, telemetry/), the metadata endpoint
  processes        the runtime and extension processes, their exits
  output           what they write: to the log, and to each invocation's tail
  process_tree     their memory, from /proc
  shutdown         Lambda's Shutdown phase: SIGTERM, SHUTDOWN, budgets
  supervisor       the one thread that watches every environment's descriptors
  watchdog         the one thread that enforces every timeout
  runtime_environ  the variables a runtime starts with
"""
