"""The `/next` reply byte for byte, with the headers Lambda's Runtime API sends now; what a post for
an invocation that has been answered gets, from the mailbox that remembers it."""

from kit.responders import Quiet

from local_server.environment.invocation import Invocation
from local_server.environment.mailbox import ANSWERED, Mailbox
from local_server.wire.platform_log import ERROR
from local_server.wire.runtime_api import next_reply

ARN = b"arn:aws:lambda:us-east-1:012345678912:function:fn"


def test_the_next_reply_with_every_header():
    reply = next_reply("r-1", 1700000000000, ARN, "Root=1-a;Sampled=1", b'{"custom":{"k":"v"}}', b'{"x":1}',
                       invocation_id="i-1", tenant_id="BlueTenant")
    assert reply == (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: r-1\r\n"
                     b"Lambda-Runtime-Deadline-Ms: 1700000000000\r\n"
                     b"Lambda-Runtime-Invoked-Function-Arn: " + ARN + b"\r\n"
                     b"Lambda-Runtime-Trace-Id: Root=1-a;Sampled=1\r\n"
                     b'Lambda-Runtime-Client-Context: {"custom":{"k":"v"}}\r\n'
                     b"Lambda-Runtime-Aws-Tenant-Id: BlueTenant\r\n"
                     b"Lambda-Runtime-Invocation-Id: i-1\r\n"
                     b'Content-Length: 7\r\n\r\n{"x":1}')


def test_the_next_reply_leaves_out_what_the_invocation_does_not_have():
    assert next_reply("r-1", 5, ARN, None, None, b"{}", invocation_id="i-1") == (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: r-1\r\n"
        b"Lambda-Runtime-Deadline-Ms: 5\r\nLambda-Runtime-Invoked-Function-Arn: " + ARN + b"\r\n"
        b"Lambda-Runtime-Invocation-Id: i-1\r\nContent-Length: 2\r\n\r\n{}")


def test_a_tenant_id_is_one_header_line():
    assert b"Lambda-Runtime-Aws-Tenant-Id: a  b\r\n" in next_reply("r", 5, ARN, None, None, b"", tenant_id="a\r\nb")



def _held(mailbox):
    inv = Invocation(b"{}", Quiet())
    inv.assign(lambda inv: b"", lambda: None, None)
    inv.dispatch(1)
    inv.claim("conn", b"", lambda: None)
    mailbox.hold(inv)
    return inv


def test_each_invocation_has_its_own_invocation_id():
    first, second = Invocation(b"", Quiet()), Invocation(b"", Quiet(), request_id=None)
    assert first.invocation_id not in (second.invocation_id, first.request_id)


def test_a_post_after_the_end_gets_403_after_a_timeout_410():
    mailbox = Mailbox()
    answered, timed_out, crashed = _held(mailbox), _held(mailbox), _held(mailbox)
    assert answered.respond(b"ok", "x") == 202
    assert timed_out.time_out(b"t") is True
    assert crashed.abort(ERROR, "Runtime.ExitError", b"{}") is True
    for inv in (answered, timed_out, crashed):
        mailbox.release(inv)
    assert mailbox.find(answered.request_id) is ANSWERED
    assert [mailbox.find(inv.request_id).respond(b"late", "x") for inv in (answered, timed_out, crashed)] == [
        403, 410, 403]
    assert mailbox.find(timed_out.request_id).fail(b"{}", "E") == mailbox.find(timed_out.request_id).stream_start(
        "x") == 410
