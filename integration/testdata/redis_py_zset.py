"""Sorted sets through redis-py (RESP3 too when it speaks it): prints OK when all is well."""
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
    k = "py:board%d" % proto
    r.delete(k)
    assert r.zadd(k, {"ada": 10, "bob": 7.5, "cy": 12}) == 3
    assert r.zadd(k, {"bob": 8}, xx=True, ch=True) == 1
    assert r.zadd(k, {"ada": 1}, gt=True) == 0
    assert r.zincrby(k, 2.5, "ada") == 12.5
    assert r.zscore(k, "bob") == 8.0
    assert r.zmscore(k, ["ada", "nope"]) == [12.5, None]
    assert r.zrange(k, 0, -1, withscores=True) == [("bob", 8.0), ("cy", 12.0), ("ada", 12.5)], r.zrange(k, 0, -1, withscores=True)
    assert r.zrevrange(k, 0, 0) == ["ada"]
    assert r.zrangebyscore(k, "(8", "+inf") == ["cy", "ada"]
    assert r.zrange(k, "+inf", 9, desc=True, byscore=True, offset=0, num=1) == ["ada"]
    assert r.zrank(k, "cy") == 1 and r.zrevrank(k, "cy") == 1
    assert r.zcount(k, 8, 12) == 2 and r.zcard(k) == 3
    assert r.zpopmin(k) == [("bob", 8.0)], r.zpopmin
    r.zadd("py:other%d" % proto, {"cy": 1, "dee": 2})
    assert r.zunion([k, "py:other%d" % proto], withscores=True) == [("dee", 2.0), ("ada", 12.5), ("cy", 13.0)]
    assert r.zinterstore("py:both%d" % proto, {k: 1, "py:other%d" % proto: 10}, aggregate="MAX") == 1
    assert r.zscore("py:both%d" % proto, "cy") == 12.0
    cursor, found = r.zscan(k)
    assert cursor == 0 and dict(found) == {"cy": 12.0, "ada": 12.5}, found
    assert r.zrandmember(k) in ("cy", "ada")
    assert r.zremrangebyscore(k, "-inf", "+inf") == 2
    assert r.exists(k) == 0
    r.set("py:s", "v")
    try:
        r.zadd("py:s", {"a": 1})
        raise AssertionError("no WRONGTYPE")
    except redis.ResponseError as e:
        assert str(e).startswith("WRONGTYPE"), e
print("OK")
