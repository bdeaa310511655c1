"""One subscription's delivery to a real HTTP and a real TCP listener: batching by maxItems, maxBytes
and timeoutMs, the flush at shutdown, a dead or slow destination, platform.logsDropped."""

import json
import time

import pytest
from kit.polling import wait_until
from kit.telemetry_listeners import HttpListener, TcpListener, free_port

from local_server.telemetry import emissions
from local_server.telemetry.encoding import encode
from local_server.telemetry.subscriber import Subscriber
from local_server.telemetry.subscription import parse
from local_server.telemetry.telemetry_records import event
from local_server.telemetry.transport import transport_for

T = 1795460638.39


def record(i: int, width: int = 0) -> bytes:
    return encode(event("function", f"line {i:05d} {'x' * width}\n", T))


def notice(records: int, size: int, reason: str) -> bytes:
    kind, value = emissions.logs_dropped("telemetry", records, size, reason)
    return encode(event(kind, value, T))


@pytest.fixture
def http():
    listener = HttpListener()
    yield listener
    listener.close()


@pytest.fixture
def subscribe():
    made = []

    def _subscribe(destination, max_items=1000, max_bytes=262144, timeout_ms=30000, types=("platform", "function")):
        body = {"schemaVersion": "2022-12-13", "types": list(types), "destination": destination,
                "buffering": {"maxItems": max_items, "maxBytes": max_bytes, "timeoutMs": timeout_ms}}
        subscription = parse("telemetry", json.dumps(body).encode())
        subscriber = Subscriber("ext", subscription, transport_for(subscription.destination),
                                notice if "platform" in types else None, emissions.slow_consumer("telemetry"))
        made.append(subscriber)
        return subscriber

    yield _subscribe
    for subscriber in made:
        subscriber.close(0.0)
        assert not subscriber.thread.is_alive()


def lines(batch):
    return [event["record"] for event in batch]


def test_a_batch_goes_at_max_items(http, subscribe):
    subscriber = subscribe({"protocol": "HTTP", "URI": http.uri + "/telemetry"})
    for i in range(1000):
        subscriber.add(record(i))
    wait_until(lambda: len(http.batches()) == 1, "the first batch")
    for i in range(1000, 2300):
        subscriber.add(record(i))
    wait_until(lambda: len(http.batches()) == 2, "the second batch")
    assert [len(batch) for batch in http.batches()] == [1000, 1000]  # the last 300 wait for timeoutMs (30 s)
    assert subscriber.flush(10.0)
    batches = http.batches()
    assert [len(batch) for batch in batches] == [1000, 1000, 300]
    assert lines([e for batch in batches for e in batch]) == [f"line {i:05d} \n" for i in range(2300)]
    request = http.requests[0]
    assert (request["method"], request["path"], request["headers"]["Content-Type"], request["headers"]["Host"]) == (
        "POST", "/telemetry", "application/json", f"sandbox.localdomain:{http.port}")
    assert http.connections == 1  # one kept-alive connection for every batch


def test_a_batch_goes_at_max_bytes(http, subscribe):
    subscriber = subscribe({"protocol": "HTTP", "URI": http.uri, "method": "PUT"}, max_bytes=262144)
    size = len(record(0, width=1000))
    count = -(-262144 // size)  # the record that reaches maxBytes goes with the batch
    for i in range(count):
        subscriber.add(record(i, width=1000))
    wait_until(lambda: len(http.batches()) == 1, "a batch of maxBytes")
    subscriber.add(record(count, width=1000))
    assert subscriber.flush(10.0)
    assert [len(batch) for batch in http.batches()] == [count, 1]
    assert sum(len(encode(e)) for e in http.batches()[0]) == count * size >= 262144 > (count - 1) * size
    assert http.requests[0]["method"] == "PUT"


def test_a_batch_goes_timeout_ms_after_its_first_record(http, subscribe):
    subscriber = subscribe({"protocol": "HTTP", "URI": http.uri}, timeout_ms=100)
    first = time.monotonic()
    for i in range(3):
        subscriber.add(record(i))
    wait_until(http.batches, "a batch after timeoutMs", timeout=10)
    waited = time.monotonic() - first
    assert lines(http.batches()[0]) == [f"line {i:05d} \n" for i in range(3)]
    assert waited >= 0.1


def test_flush_delivers_what_is_buffered(http, subscribe):
    subscriber = subscribe({"protocol": "HTTP", "URI": http.uri}, timeout_ms=30000)
    for i in range(5):
        subscriber.add(record(i))
    started = time.monotonic()
    assert subscriber.close(10.0) is True
    assert time.monotonic() - started < 5  # not the 30 s of timeoutMs
    assert lines(http.events()) == [f"line {i:05d} \n" for i in range(5)]
    subscriber.add(record(99))  # after close: ignored
    assert len(http.events()) == 5


def test_tcp_delivers_ndjson_in_order(subscribe):
    listener = TcpListener()
    try:
        # maxItems 10,000: 2,500 records added at once all fit (with 1,000, a burst past 2,000 before
        # the sender takes the first batch would be dropped, as test_a_slow_listener_... shows).
        subscriber = subscribe({"protocol": "TCP", "port": listener.port}, max_items=10000, timeout_ms=25)
        for i in range(2500):
            subscriber.add(record(i))
        assert subscriber.flush(10.0)
        wait_until(lambda: len(listener.lines) == 2500, "every line")
        assert lines(listener.events()) == [f"line {i:05d} \n" for i in range(2500)]
        assert listener.connections == 1
    finally:
        listener.close()


def test_a_dead_destination_blocks_nothing(subscribe):
    subscriber = subscribe({"protocol": "HTTP", "URI": f"http://sandbox:{free_port()}"}, timeout_ms=25)
    for i in range(5000):
        subscriber.add(record(i))  # never waits for the listener
    started = time.monotonic()
    assert subscriber.flush(0.3) is False
    assert 0.3 <= time.monotonic() - started < 3
    started = time.monotonic()
    assert subscriber.close(0.2) is False
    assert time.monotonic() - started < 3 and not subscriber.thread.is_alive()


def test_a_listener_that_comes_later_gets_everything(subscribe):
    port = free_port()
    subscriber = subscribe({"protocol": "HTTP", "URI": f"http://sandbox.localdomain:{port}"}, timeout_ms=25)
    for i in range(3):
        subscriber.add(record(i))
    wait_until(lambda: subscriber.settled == 0 and not subscriber.buffer.events, "the first attempts")
    listener = HttpListener(port)  # "Lambda retries to send telemetry (with backoff) in the absence of a listener"
    try:
        assert subscriber.flush(10.0)
        assert lines(listener.events()) == [f"line {i:05d} \n" for i in range(3)]
    finally:
        listener.close()


def test_a_slow_listener_loses_records_and_is_told(http, subscribe):
    subscriber = subscribe({"protocol": "HTTP", "URI": http.uri}, max_items=1000, timeout_ms=25)
    http.gate.clear()  # the listener takes the first batch and sits on it
    subscriber.add(record(0))
    wait_until(lambda: http.arrived == 1, "the first batch, held")
    for i in range(1, 2001):
        subscriber.add(record(i))  # twice maxItems wait
    for i in range(2001, 2008):
        subscriber.add(record(i))  # past them: dropped
    http.gate.set()
    assert subscriber.flush(10.0)
    batches = http.batches()
    assert [len(batch) for batch in batches] == [1, 1001, 1000]
    assert batches[1][0] == {"time": "2026-11-23T19:03:58.390Z", "type": "platform.logsDropped", "record": {
        "droppedBytes": 7 * len(record(0)), "droppedRecords": 7,
        "reason": "Some logs were dropped because the downstream consumer is slower than the logs production rate"}}
    assert lines(batches[0] + batches[1][1:] + batches[2]) == [f"line {i:05d} \n" for i in range(2001)]


def test_a_refused_batch_is_reported(http, subscribe):
    http.statuses = [500]
    subscriber = subscribe({"protocol": "HTTP", "URI": http.uri}, timeout_ms=25)
    for i in range(3):
        subscriber.add(record(i))
    wait_until(http.batches, "the report of the refused batch")
    assert subscriber.flush(10.0)
    assert http.batches() == [[{"time": "2026-11-23T19:03:58.390Z", "type": "platform.logsDropped", "record": {
        "droppedBytes": 3 * len(record(0)), "droppedRecords": 3,
        "reason": "could not send events: the listener answered 500"}}]]


def test_a_subscriber_without_platform_records_is_not_told(http, subscribe):
    http.statuses = [500]
    subscriber = subscribe({"protocol": "HTTP", "URI": http.uri}, timeout_ms=25, types=("function",))
    subscriber.add(record(0))
    wait_until(lambda: http.requests, "the refused batch")
    subscriber.add(record(1))
    assert subscriber.flush(10.0)
    assert lines(http.events()) == ["line 00001 \n"]


def test_tcp_batches_wait_for_timeout_ms_and_go_at_flush(subscribe):
    listener = TcpListener()
    try:
        subscriber = subscribe({"protocol": "TCP", "port": listener.port}, timeout_ms=30000)
        for i in range(3):
            subscriber.add(record(i))
        assert subscriber.buffer.due_at() is not None and listener.lines == []  # waiting for its 30 s
        assert subscriber.close(10.0)
        wait_until(lambda: len(listener.lines) == 3, "the flushed lines")
        assert lines(listener.events()) == [f"line {i:05d} \n" for i in range(3)]
    finally:
        listener.close()


def test_a_dead_tcp_destination_blocks_nothing(subscribe):
    subscriber = subscribe({"protocol": "TCP", "port": free_port()}, timeout_ms=25)
    for i in range(100):
        subscriber.add(record(i))
    assert subscriber.flush(0.3) is False
    assert subscriber.close(0.0) is False and not subscriber.thread.is_alive()
