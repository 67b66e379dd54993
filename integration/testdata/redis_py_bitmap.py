"""Bitmaps and HyperLogLogs through redis-py (RESP3 too when it speaks it): prints OK when all is well."""
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
    r = redis.Redis(port=port, **kw)
    b, h = "py:b%d" % proto, "py:hll%d" % proto
    r.delete(b, h, h + "x", h + "u")
    assert r.setbit(b, 7, 1) == 0
    assert r.setbit(b, 7, 1) == 1
    assert r.getbit(b, 7) == 1 and r.getbit(b, 100) == 0
    assert r.get(b) == b"\x01", r.get(b)
    r.set(b, b"\xff\xf0\x00")
    assert r.bitcount(b) == 12
    assert r.bitcount(b, 1, 1) == 4
    assert r.bitpos(b, 0) == 12
    assert r.bitpos(b, 1, 2) == -1
    assert r.bitop("NOT", b + "n", b) == 3 and r.get(b + "n") == b"\x00\x0f\xff"
    bf = r.bitfield(b)
    assert bf.set("u8", 0, 200).get("u8", 0).incrby("u8", 0, 100).execute() == [255, 200, 44], "wrap"
    bf = r.bitfield(b, default_overflow="FAIL")
    assert bf.incrby("u8", 0, 250).incrby("i4", "#1", 1).execute() == [None, -3], "fail"
    try:
        r.execute_command("BITFIELD_RO", b, "SET", "u8", 0, 1)
        raise AssertionError("BITFIELD_RO took a SET")
    except redis.ResponseError as e:
        assert str(e) == "BITFIELD_RO only supports the GET subcommand", e
    assert r.pfadd(h, "a", "b", "c") == 1
    assert r.pfadd(h, "a") == 0
    assert r.pfcount(h) == 3
    assert r.get(h)[:4] == b"HYLL"
    assert r.pfadd(h + "x", *["e%d" % i for i in range(5000)]) == 1
    assert abs(r.pfcount(h + "x") - 5000) < 100, r.pfcount(h + "x")
    assert r.strlen(h + "x") == 12304  # dense
    assert r.pfmerge(h + "u", h, h + "x")
    assert r.pfcount(h + "u") == r.pfcount(h, h + "x")
    try:
        r.pfadd(b, "a")
        raise AssertionError("no WRONGTYPE")
    except redis.ResponseError as e:
        assert str(e) == "WRONGTYPE Key is not a valid HyperLogLog string value.", e
print("OK")
