"""1,000 warm invocations with no growth in resident memory, seen from outside the process.

RSS moves by whole pages and allocator arenas, so this bound only catches a leak of about
2 KiB or more an invocation; tests/runtime/functional/test_loop.py counts the bytes the runtime
keeps with tracemalloc, exactly.
"""


def test_no_memory_growth_over_1000_warm_invocations(api, start):
    process = start("cases.echo")
    event = {"records": [{"id": i, "body": "x" * 100} for i in range(20)]}

    def run(n):
        for _ in range(n):
            api.queue_event(event)
            assert api.next_post().status == 202

    run(200)  # warm up: allocator arenas and caches settle
    before = process.rss_kib()
    run(1000)
    after = process.rss_kib()
    assert after - before <= 2048, f"RSS grew from {before} KiB to {after} KiB over 1,000 invocations"
