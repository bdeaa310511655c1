"""The pool with stand-in environments (no process): who waits, who gets which environment, and what
reserved concurrency, tenants and managed instances change. End to end: functional/test_concurrency.py,
functional/test_tenants.py."""

import threading

import pytest
from kit.polling import wait_until

from local_server.config import Config
from local_server.console import MemoryConsole
from local_server.environment import pool as pool_module
from local_server.environment.admission import CLOSED, FULL, GONE, THROTTLED, TIMED_OUT
from local_server.environment.pool import Pool
from local_server.wire.platform_log import Platform


class FakeEnvironment:
    """What the pool asks of an environment, without processes."""

    def __init__(self, config, platform, console, supervisor, task_root, generation, environ, on_dead):
        self.generation = generation
        self.slots = config.slots
        self.managed = config.max_concurrency is not None
        self.dead = False
        self.on_dead = on_dead
        self.init = type("Init", (), {"ended": threading.Event()})()
        self.processes = type("Processes", (), {"has_open_files": lambda self: False,
                                                "close_files": lambda self: None, "pids": lambda self: set()})()
        self.starts = 0

    def start(self):
        self.starts += 1
        self.init.ended.set()

    def shutdown(self, reason="spindown"):
        if not self.dead:
            self.dead = True
            self.on_dead(self)


@pytest.fixture
def make_pool(monkeypatch):
    monkeypatch.setattr(pool_module, "Environment", FakeEnvironment)
    pools = []

    def make(**options):
        config = Config(**options)
        pool = Pool(config, Platform("Text", "f", "$LATEST", 128), MemoryConsole(), lambda root: {}, "/var/task")
        pools.append(pool)
        return pool

    yield make
    for pool in pools:
        pool.close()


class Waiter:
    """acquire() on a thread of its own: what it got, once it has it."""

    def __init__(self, pool, tenant=None, patience=60.0, watch=None):
        self.got = None
        self.thread = threading.Thread(target=self._run, args=(pool, tenant, patience, watch))
        self.thread.start()

    def _run(self, pool, tenant, patience, watch):
        self.got = pool.acquire(tenant, patience, watch)

    def result(self):
        self.thread.join(10)
        return self.got


def _waiting(pool, count):
    wait_until(lambda: pool.stats()["waiting"] == count, what=f"{count} request(s) in line")


def test_past_the_maximum_requests_wait_and_get_environments_in_the_order_they_came(make_pool):
    pool = make_pool(max_environments=1)
    first = pool.acquire(None, 60)
    waiters = []
    for n in range(3):
        waiters.append(Waiter(pool))
        _waiting(pool, n + 1)
    holder = first
    for n, waiter in enumerate(waiters):
        pool.release(holder)
        wait_until(lambda n=n: sum(w.got is not None for w in waiters) == n + 1, what="the next grant")
        assert [w.got is not None for w in waiters] == [True] * (n + 1) + [False] * (2 - n)  # the first in line
        holder = waiter.result()
        assert holder is first  # the one warm environment, reused
    assert pool.stats() == {"environments": 1, "busy": 1, "waiting": 0, "maxEnvironments": 1, "started": 1,
                            "generation": 0}
    pool.release(holder)
    assert pool.line.admitted == 0


def test_a_request_waits_its_own_timeout_at_most(make_pool):
    pool = make_pool(max_environments=1)
    held = pool.acquire(None, 60)
    assert pool.acquire(None, 0.05) == TIMED_OUT
    assert (pool.stats()["waiting"], pool.line.admitted) == (0, 1)
    pool.release(held)
    assert pool.acquire(None, 0.05) is held


def test_a_long_wait_goes_on_past_the_moment_its_client_starts_to_be_watched(make_pool):
    pool = make_pool(max_environments=1)
    held = pool.acquire(None, 60)
    waiter = Waiter(pool)  # no watch: nothing can end its wait but a grant or its deadline
    _waiting(pool, 1)
    assert pool.acquire(None, 0.2) == TIMED_OUT  # 0.2 s in line behind it: past the first 0.05 s
    assert waiter.got is None
    pool.release(held)
    assert waiter.result() is held


def test_a_request_whose_client_goes_gives_up_its_place(make_pool):
    pool = make_pool(max_environments=1)
    held = pool.acquire(None, 60)
    watched = []
    ended = []

    def watch(gone):
        watched.append(gone)
        return lambda: ended.append(True)

    waiter = Waiter(pool, watch=watch)
    _waiting(pool, 1)
    wait_until(lambda: watched, what="the client watched, once its wait is not a short one")
    watched[0]()  # the client closed its connection
    assert (waiter.result(), ended) == (GONE, [True])
    assert (pool.stats()["waiting"], pool.line.admitted) == (0, 1)
    pool.release(held)
    assert pool.stats()["busy"] == 0 and pool.line.admitted == 0


def test_reserved_concurrency_throttles_past_its_number_and_zero_throttles_all(make_pool):
    pool = make_pool(max_environments=4, reserved_concurrency=2)
    envs = [pool.acquire(None, 60), pool.acquire(None, 60)]
    assert pool.acquire(None, 60) == THROTTLED  # at once, though two environments could start
    pool.release(envs[0])
    assert pool.acquire(None, 60) is envs[0]
    assert make_pool(reserved_concurrency=0).acquire(None, 60) == THROTTLED


def test_events_wait_in_the_same_line_and_run_once_an_environment_is_free(make_pool):
    pool = make_pool(max_environments=1)
    held = pool.acquire(None, 60)
    ran = []
    done = threading.Semaphore(0)

    def run(n):
        def go(env):
            ran.append((n, env))
            pool.release(env)
            done.release()
        return go

    pool.enqueue(None, "e1", run(1))
    sync = Waiter(pool)
    _waiting(pool, 2)
    pool.enqueue(None, "e2", run(2))
    pool.release(held)
    assert done.acquire(timeout=10)  # the event that came first ran first
    assert sync.result() is held and ran == [(1, held)]
    pool.release(held)
    assert done.acquire(timeout=10)
    assert ran == [(1, held), (2, held)] and pool.line.admitted == 0


def test_events_with_reserved_concurrency_zero_never_run(make_pool):
    pool = make_pool(reserved_concurrency=0)
    pool.enqueue(None, "req-1", lambda env: pytest.fail("it ran"))
    assert pool.console.stderr.decode() == ("local-server: Event invocation req-1 dropped without running: "
                                   "reserved concurrency is 0\n")
    assert pool.stats()["started"] == 0


def test_tenants_get_environments_of_their_own_and_an_idle_one_of_another_makes_room(make_pool):
    pool = make_pool(max_environments=2, tenant_isolation=True)
    a = pool.acquire("a", 60)
    b = pool.acquire("b", 60)
    assert a is not b
    pool.release(a)
    assert pool.acquire("a", 60) is a  # warm reuse within the tenant
    pool.release(a)
    pool.release(b)  # most recently used first: b, then a
    c = pool.acquire("c", 60)
    assert (a.dead, b.dead, c not in (a, b)) == (True, False, True)  # the least recently used made room
    assert pool.stats()["environments"] == 2
    pool.release(c)
    assert pool.acquire("b", 60) is b


def test_a_tenant_waits_while_every_environment_is_another_tenants_and_busy(make_pool):
    pool = make_pool(max_environments=1, tenant_isolation=True)
    a = pool.acquire("a", 60)
    b = Waiter(pool, "b")
    _waiting(pool, 1)
    assert pool.acquire("a", 0.05) == TIMED_OUT  # a's one environment is busy too
    pool.release(a)
    got = b.result()
    assert (got is not a, a.dead, got.starts) == (True, True, 1)  # never the other tenant's environment
    assert pool.stats()["environments"] == 1


def test_managed_instances_take_n_at_once_and_refuse_past_them_unless_a_slot_is_being_released(make_pool):
    pool = make_pool(max_environments=1, max_concurrency=2)
    env = pool.acquire(None, 60)
    assert pool.acquire(None, 60) is env
    assert pool.acquire(None, 60) == FULL
    pool.answered(env)  # its caller has the answer: the slot is about to be released
    waiter = Waiter(pool)
    _waiting(pool, 1)
    pool.release(env)
    assert waiter.result() is env
    assert pool.line.admitted == 2


def test_closing_ends_the_wait_of_everyone_in_line(make_pool):
    pool = make_pool(max_environments=1)
    pool.acquire(None, 60)
    waiter = Waiter(pool)
    pool.enqueue(None, "req-2", lambda env: pytest.fail("it ran"))
    _waiting(pool, 2)
    pool.close()
    assert waiter.result() == CLOSED
    assert pool.console.stderr.decode() == ("local-server: Event invocation req-2 dropped without running: "
                                            "the server stopped\n")
    assert pool.acquire(None, 60) == CLOSED
