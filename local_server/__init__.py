"""A local AWS Lambda server: the RIE's invoke API and more, in the standard library only.

It serves what a developer calls (the Invoke and InvokeWithResponseStream APIs, plain HTTP
as a function URL) and, for every execution environment it starts, the Runtime API and
Extensions API that the runtime and extensions inside it call. `python3 -m local_server --help`.

By floor, imports going one way (tests/local_server/unit/test_layers.py holds them to it):
  wire/         pure wire formats: bytes in, values out (HTTP framing, the Runtime, Extensions
                and Invoke APIs, function URL events, event streams, error bodies, platform lines)
  config, console, http_io
                settings, where the log goes, HTTP read off a socket: what every floor may use
  environment/  the execution environment's side: environments and their pool, processes,
                init, mailbox, invocations, the Runtime and Extensions APIs they serve
  front/        the caller's side: the front server and its responders
  reload/       hot reload: the task view and the code folder's watcher
  server, cli   the whole server put together, and the command that runs it
The Runtime API's paths, headers, limits and error types are `lambda_runtime_api`'s, a
package shared with the runtime (runtime/lambda_runtime_api in this repository).
"""

__version__ = "0.1.0"
