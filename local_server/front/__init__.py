"""The caller's side: the front server on port 8080 and the responders that write its answers.

  front_server  the routes: Invoke, InvokeWithResponseStream, function URLs, the health path
  responders    an invocation's result as each kind of HTTP answer, written as it comes
  waiting       a request waiting for an environment: its client watched, its 429 if none came
"""
