"""The local server's wire formats: bytes in, values out, nothing else (no socket, thread or lock).

  http            HTTP/1.1 framing: request heads, chunk lines, trailers, reply heads
  runtime_api     the Runtime API's routes, its /next reply and its refusals
  extensions_api  the Extensions API's refusals and events
  invoke_api      the Invoke API's routes, invocation types and client contexts
  function_url    plain HTTP requests as function URL (or API Gateway v1) events, results as responses
  eventstream     the event stream of InvokeWithResponseStream
  lambda_errors   what Lambda answers when things go wrong
  platform_log    the platform's START, END and REPORT lines, and their JSON records
"""
