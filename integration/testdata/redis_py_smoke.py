"""Smoke test of a server with redis-py: python3 redis_py_smoke.py PORT.

Prints OK and exits 0 when every check passes; an AssertionError or a
redis error exits non-zero with a traceback.
"""

import sys

import redis

r = redis.Redis(host="127.0.0.1", port=int(sys.argv[1]), decode_responses=True)

assert r.ping() is True
assert r.set("py:a", "1") is True
assert r.get("py:a") == "1"
assert r.get("py:missing") is None
assert r.incr("py:a") == 2
assert r.incrby("py:a", 40) == 42
assert r.expire("py:a", 100) is True
ttl = r.ttl("py:a")
assert 99 <= ttl <= 100, ttl
assert r.ttl("py:missing") == -2

want = {"py:k%d" % i for i in range(50)}
for k in want:
    r.set(k, "v")
got = set(r.scan_iter(match="py:k*", count=7))
assert got == want, sorted(want ^ got)

try:
    r.execute_command("FOOBAR", "x")
except redis.ResponseError as e:
    assert str(e) == "unknown command 'FOOBAR', with args beginning with: 'x' ", repr(str(e))
else:
    raise AssertionError("FOOBAR did not fail")

print("OK")
