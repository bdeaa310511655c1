"""A local AWS Lambda server: the RIE's invoke API and more, in the standard library only.

It serves what a developer calls (the Invoke and InvokeWithResponseStream APIs, plain HTTP
as a function URL) and, for every execution environment it starts, the Runtime API and
Extensions API that the runtime and extensions inside it call. `python3 -m local_server --help`.
"""

__version__ = "0.1.0"
