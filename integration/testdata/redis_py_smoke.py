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

# pipeline() is a MULTI/EXEC transaction by default.
with r.pipeline() as p:
    p.set("py:tx", "1").incr("py:tx").get("py:tx")
    assert p.execute() == [True, 2, "2"]

# Optimistic locking: WATCH, read, MULTI, write, EXEC; a change by another
# client in between fails the EXEC with WatchError.
other = redis.Redis(host="127.0.0.1", port=int(sys.argv[1]), decode_responses=True)
with r.pipeline() as p:
    p.watch("py:tx")
    n = int(p.get("py:tx"))
    other.set("py:tx", "100")
    p.multi()
    p.set("py:tx", n + 1)
    try:
        p.execute()
    except redis.WatchError:
        pass
    else:
        raise AssertionError("EXEC ran although the watched key changed")
assert r.get("py:tx") == "100"

# Pub/sub: a subscriber gets its confirmation, then the message.
ps = other.pubsub()
ps.subscribe("py:ch")
m = ps.get_message(timeout=5)
assert m is not None and m["type"] == "subscribe" and m["channel"] == "py:ch", m
assert r.publish("py:ch", "hi") == 1
m = ps.get_message(timeout=5)
assert m is not None and m["type"] == "message" and m["data"] == "hi", m
ps.close()

print("OK")
