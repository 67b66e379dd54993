"""Hashes through redis-py (RESP3 too when it speaks it): prints OK when all is well."""
import sys

import redis

port = int(sys.argv[1])
try:
    redis.Redis(protocol=3)
    protos = (2, 3)
except TypeError:  # a redis-py older than 5.0 speaks only RESP2
    protos = (2,)
for proto in protos:
    kw = {"protocol": proto} if len(protos) > 1 else {}
    r = redis.Redis(port=port, decode_responses=True, **kw)
    k = "py:h%d" % proto
    r.delete(k)
    assert r.hset(k, mapping={"name": "Ada", "year": "1815"}) == 2
    assert r.hget(k, "name") == "Ada"
    assert r.hgetall(k) == {"name": "Ada", "year": "1815"}, r.hgetall(k)
    assert r.hincrby(k, "year", 10) == 1825
    assert abs(r.hincrbyfloat(k, "score", 1.5) - 1.5) < 1e-9
    assert r.hmget(k, "name", "nope") == ["Ada", None]
    assert sorted(r.hkeys(k)) == ["name", "score", "year"]
    assert r.hlen(k) == 3 and r.hexists(k, "name") and not r.hexists(k, "x")
    assert r.hsetnx(k, "name", "Bob") == 0
    assert r.hstrlen(k, "name") == 3
    pairs = r.hrandfield(k, 2, withvalues=True)
    assert len(pairs) == 4 if proto == 2 else len(pairs) in (2, 4), pairs
    cursor, found = r.hscan(k)
    assert cursor == 0 and found["name"] == "Ada", found
    assert dict(r.hscan_iter(k, match="n*")) == {"name": "Ada"}
    assert r.hdel(k, "name", "year", "score") == 3
    assert r.exists(k) == 0
    r.set("py:s", "v")
    try:
        r.hget("py:s", "f")
        raise AssertionError("no WRONGTYPE")
    except redis.ResponseError as e:
        assert str(e).startswith("WRONGTYPE"), e
print("OK")
