"""Sets through redis-py (RESP3 too when it speaks it): prints OK when all is well."""
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
    tags, other = "py:tags%d" % proto, "py:other%d" % proto
    r.delete(tags, other, "py:dst")
    assert r.sadd(tags, "go", "python", "redis", "go") == 3
    assert r.smembers(tags) == {"go", "python", "redis"}, r.smembers(tags)
    assert r.sismember(tags, "go") and not r.sismember(tags, "rust")
    assert [bool(x) for x in r.smismember(tags, ["go", "rust"])] == [True, False]
    assert r.scard(tags) == 3
    r.sadd(other, "redis", "c")
    assert r.sinter(tags, other) == {"redis"}
    assert r.sunion(tags, other) == {"go", "python", "redis", "c"}
    assert r.sdiff(tags, other) == {"go", "python"}
    assert r.sinterstore("py:dst", [tags, other]) == 1
    assert r.sunionstore("py:dst", [tags, other]) == 4
    assert r.sdiffstore("py:dst", [tags, other]) == 2
    assert r.execute_command("SINTERCARD", 2, tags, other) == 1
    assert r.smove(tags, other, "go") and r.sismember(other, "go")
    assert len(r.srandmember(tags, 5)) == 2
    assert len(r.srandmember(tags, -5)) == 5
    popped = r.spop(tags)
    assert popped in ("python", "redis"), popped
    assert r.scard(tags) == 1
    assert set(r.sscan_iter(other, match="r*")) == {"redis"}
    r.sadd("py:ints", 3, 1, 2)
    assert r.smembers("py:ints") == {"1", "2", "3"}
    assert r.object("encoding", "py:ints") == "intset"
    assert r.type("py:ints") == "set"
    assert sorted(r.spop("py:ints", 10)) == ["1", "2", "3"]
    assert r.exists("py:ints") == 0
    r.set("py:str", "v")
    try:
        r.sadd("py:str", "a")
        raise AssertionError("no WRONGTYPE")
    except redis.ResponseError as e:
        assert str(e).startswith("WRONGTYPE"), e
print("OK")
