"""Lists through redis-py (RESP3 too when it speaks it): prints OK when all is well."""
import sys
import threading

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
    k, d = "py:l%d" % proto, "py:d%d" % proto
    r.delete(k, d)
    assert r.rpush(k, "b", "c") == 2
    assert r.lpush(k, "a") == 3
    assert r.lrange(k, 0, -1) == ["a", "b", "c"]
    assert r.lindex(k, -1) == "c" and r.lindex(k, 9) is None
    assert r.lset(k, 1, "B")
    assert r.linsert(k, "AFTER", "B", "b2") == 4
    assert r.lpos(k, "c") == 3 and r.lpos(k, "zz") is None
    assert r.lpos(k, "B", count=0) == [1]
    assert r.lrem(k, 0, "b2") == 1
    assert r.lmove(k, d, "LEFT", "RIGHT") == "a"
    assert r.rpoplpush(k, d) == "c"
    assert r.lrange(d, 0, -1) == ["c", "a"]
    assert r.lpop(k) == "B" and r.lpop(k) is None
    assert r.lpop(k, 2) is None
    assert r.lmpop(1, d, direction="RIGHT", count=5) == [d, ["a", "c"]]
    assert r.blpop([k], timeout=0.05) is None
    # a blocked BLPOP served by a push from another connection
    got = []
    t = threading.Thread(target=lambda: got.append(r.blpop([k, d], timeout=10)))
    t.start()
    pusher = redis.Redis(port=port, decode_responses=True, **kw)
    while int(pusher.info("clients")["blocked_clients"]) < 1:
        pass
    pusher.rpush(d, "x")
    t.join()
    assert list(got[0]) == [d, "x"], got
    assert r.blmove(k, d, 0.05, "LEFT", "LEFT") is None
    r.set("py:s", "v")
    try:
        r.lpush("py:s", "x")
        raise AssertionError("no WRONGTYPE")
    except redis.ResponseError as e:
        assert str(e).startswith("WRONGTYPE"), e
print("OK")
