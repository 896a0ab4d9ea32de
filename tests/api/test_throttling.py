"""API rate limits: per user across processes (a shared Redis), exact under concurrency, embedded default
without Redis, and a cache that went away never fails a request."""

import json
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.urls import reverse
from rest_framework.throttling import SimpleRateThrottle

from acd_points.api.throttling import WindowCounter

ROOT = Path(__file__).resolve().parents[2]

# One process of an API server: checks `attempts` requests of user 7 against the limit, counted in the
# cache CACHE_URL names, starting when the go-file appears (so that all processes run at once).
_PROCESS = textwrap.dedent(
    """
    import json, os, sys, time
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    import django
    django.setup()
    from types import SimpleNamespace
    from rest_framework.throttling import SimpleRateThrottle
    from acd_points.api.throttling import UserRateThrottle
    SimpleRateThrottle.THROTTLE_RATES = {"user": "50/minute"}
    request = SimpleNamespace(user=SimpleNamespace(pk=7, is_authenticated=True), META={})
    go = sys.argv[1]
    while not os.path.exists(go):
        time.sleep(0.005)
    admitted = sum(UserRateThrottle().allow_request(request, None) for _ in range(int(sys.argv[2])))
    print(json.dumps({"admitted": admitted}))
    """
)


def _run_processes(count, attempts, cache_url, tmp_path):
    go = tmp_path / "go"
    env = {"CACHE_URL": cache_url, "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _PROCESS, str(go), str(attempts)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    go.touch()
    results = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1])["admitted"])
    return results


def test_a_shared_redis_makes_the_rate_per_user_across_processes(redis_server, tmp_path):
    admitted = _run_processes(3, 40, redis_server.url, tmp_path)
    # 120 requests of one user from three processes at once: exactly the rate gets through, not 3 x 50.
    assert sum(admitted) == 50, admitted


def test_each_process_counts_alone_with_the_embedded_default(tmp_path):
    # No Redis: the memory of one process, as `make run` (one web process) needs; it still limits.
    assert _run_processes(2, 60, "locmemcache://", tmp_path) == [50, 50]


def test_a_cache_that_went_away_lets_requests_through(redis_server, tmp_path):
    url = redis_server.url
    redis_server.stop()
    assert _run_processes(1, 60, url, tmp_path) == [60]


def _counter(limit=10, duration=60):
    return WindowCounter(
        "t", limit, duration, cache=LocMemCache(f"throttle-{uuid.uuid4()}", {})
    )  # own memory


def test_no_span_of_the_duration_holds_more_than_the_rate_even_at_a_window_edge():
    counter = _counter()
    admitted = [t for t in (59.0 + i * 0.01 for i in range(40)) if counter.admit(t)]  # 59.00 … 59.39
    admitted += [t for t in (60.0 + i * 0.01 for i in range(40)) if counter.admit(t)]  # just after the edge
    assert len(admitted) == 10  # a fixed window would let 20 through in under a second


def test_the_rate_comes_back_as_the_previous_window_fades():
    counter = _counter()
    assert sum(counter.admit(30.0) for _ in range(12)) == 10
    assert not counter.admit(59.0)
    assert counter.wait(59.0) > 0
    moment = 59.0 + counter.wait(59.0) + 0.01
    assert counter.admit(moment), "the announced wait is enough"
    assert sum(counter.admit(185.0) for _ in range(12)) == 10  # a window with nothing before it: a full rate


def test_refused_requests_do_not_lengthen_the_wait():
    counter = _counter()
    for _ in range(10):
        counter.admit(1.0)
    wait = counter.wait(2.0)
    for _ in range(500):  # a client hammering while refused
        assert not counter.admit(2.0)
    assert counter.wait(2.0) == wait


def test_a_token_sending_too_many_requests_is_told_to_wait(point, world_a, api_client_for, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "2/minute"})
    client = api_client_for(world_a.operator)
    answers = [client.get(reverse("api:points")).status_code for _ in range(3)]
    assert answers == [200, 200, 429]
    answer = client.get(reverse("api:points"))
    assert 0 < int(answer["Retry-After"]) <= 120
    assert answer.json() == {"detail": answer.json()["detail"]}  # DRF's error shape


def test_two_users_have_rates_of_their_own(point, world_a, api_client_for, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "2/minute"})
    operator, admin = api_client_for(world_a.operator), api_client_for(world_a.admin)
    assert [operator.get(reverse("api:points")).status_code for _ in range(3)] == [200, 200, 429]
    assert admin.get(reverse("api:points")).status_code == 200


def test_the_default_cache_is_the_embedded_one():
    assert caches["default"].__class__.__name__ == "LocMemCache"
