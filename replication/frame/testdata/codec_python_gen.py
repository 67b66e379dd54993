#!/usr/bin/env python3
"""Regenerates codec_python.jsonl: cases whose expected output comes from
CPython's own json module, for the NADB codec tests (codec_canonical_test.go).

    python3 testdata/codec_python_gen.py > testdata/codec_python.jsonl

Two kinds of line:
  {"kind": "float", "bits": "<16 hex digits>", "repr": "<repr(x)>"}
  {"kind": "payload", "payload_hex": "...", "checksum_input": "...",
   "checksum": "..."}
A payload is JSON text written with deliberately non-canonical literals
(escapes in either case, raw UTF-8, \\/, lone surrogates, 1E5, -0, 1.50,
whitespace, shuffled and unknown members). checksum_input is what
json.dumps(sort_keys=True, separators=(',', ':')) prints for
{type, sequence, timestamp, data} after json.loads(payload).
"""
import base64
import hashlib
import json
import math
import random
import struct
import sys

rng = random.Random(20240611)
TYPES = ["SET", "DELETE", "SET_TTL", "FLUSH", "METADATA", "HEARTBEAT",
         "SYNC_REQUEST", "SYNC_RESPONSE", "ACK", "SNAPSHOT_END"]
KNOWN = {"key", "value", "db", "namespace", "tags", "ttl", "_value_encoded",
         "_key_encoded", "expire_at_ms", "group", "from_sequence", "repl_id",
         "mode", "listening_port", "node_id", "applied", "count"}
CHARS = (list("abcXYZ019 _-:/'<>&~") + ['"', "\\", "\x00", "\x01", "\n", "\r",
         "\t", "\b", "\f", "\x1b", "\x1f", "\x7f", "\x80", "\u00e9", "\u00ff",
         "\u2028", "\u2029", "\ufeff", "\uffff", "\u4e2d", "\U0001f600",
         "\U0010ffff", "\ud800", "\udbff", "\udc00", "\udfff"])


def esc_unit(u):
    h = "%04x" % u
    return "\\u" + (h.upper() if rng.random() < 0.5 else h)


def write_char(c):
    o = ord(c)
    if 0xD800 <= o <= 0xDFFF:
        return esc_unit(o)  # only an escape can carry a lone surrogate
    short = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t",
             "\b": "\\b", "\f": "\\f"}
    r = rng.random()
    if c == "/" and r < 0.3:
        return "\\/"
    if c in short and r < 0.5:
        return short[c]
    if o < 0x20 or c in '"\\' or r < 0.3:
        if o >= 0x10000:
            o -= 0x10000
            return esc_unit(0xD800 + (o >> 10)) + esc_unit(0xDC00 + (o & 0x3FF))
        return esc_unit(o)
    return c


def rand_str(n=None):
    if n is None:
        n = rng.randint(0, 8)
    s = "".join(rng.choice(CHARS) for _ in range(n))
    # A high surrogate escape followed by a low one is joined by the parser;
    # that is fine, Python decides what it means.
    return s


def write_str(s):
    return '"' + "".join(write_char(c) for c in s) + '"'


def ws():
    return rng.choice(["", "", "", " ", "\n", "\t ", "\r\n  "])


def rand_number(allow_inf=True):
    k = rng.randrange(11)
    if k == 0:
        return str(rng.randint(-10**6, 10**6))
    if k == 1:
        return rng.choice(["0", "-0", "18446744073709551615", "18446744073709551616",
                           "-9223372036854775809", "123456789012345678901234567890"])
    if k == 2:
        return rng.choice(["1.50", "1E5", "1e-7", "-0.0", "0.1e1", "1E+2", "100e-2",
                           "2.5e-324", "1e-400", "-1e-400", "0.000", "1.7976931348623157e308",
                           "123456789012345678901234567890.5", "9007199254740993.0"])
    if k == 3 and allow_inf:
        return rng.choice(["1e400", "-1e400"])
    x = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
    if math.isnan(x) or math.isinf(x):
        x = 1.25
    if k < 7:
        return repr(x)
    if k < 9:
        return "%.*e" % (rng.randint(0, 20), x)
    return repr(round(rng.uniform(-1e6, 1e6), rng.randint(0, 9)))


def rand_value(depth):
    k = rng.randrange(10 if depth < 4 else 6)
    if k < 2:
        return write_str(rand_str())
    if k < 4:
        return rand_number()
    if k == 4:
        return rng.choice(["true", "false", "null"])
    if k == 5:
        return write_str(rand_str(1))
    if k < 8:
        items = [rand_value(depth + 1) for _ in range(rng.randint(0, 4))]
        return "[" + ws() + ("," + ws()).join(items) + ws() + "]"
    return rand_object(depth + 1, rng.randint(0, 5))


def rand_key(used):
    while True:
        k = rand_str(rng.randint(0, 5))
        if k not in used and k not in KNOWN:
            try:  # Python sorts str by code point; all keys must be distinct
                used.add(k)
                return k
            except Exception:
                pass


def write_object(members):
    rng.shuffle(members)
    body = ("," + ws()).join(ws() + write_str(k) + ws() + ":" + ws() + v for k, v in members)
    return "{" + body + ws() + "}"


def rand_object(depth, n):
    used = set()
    return write_object([(rand_key(used), rand_value(depth)) for _ in range(n)])


def rand_data():
    used = set()
    members = []
    if rng.random() < 0.6:
        members.append(("key", write_str(rand_str())))
    if rng.random() < 0.5:
        raw = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 12)))
        members.append(("value", write_str(base64.b64encode(raw).decode())))
        members.append(("_value_encoded", "true"))
    elif rng.random() < 0.3:
        members.append(("value", write_str(rand_str())))
    if rng.random() < 0.5:
        members.append(("db", write_str(rand_str())))
    if rng.random() < 0.3:
        members.append(("tags", "[" + ",".join(write_str(rand_str()) for _ in range(rng.randint(0, 3))) + "]"))
    if rng.random() < 0.3:
        members.append(("ttl", rand_number(allow_inf=False)))
    if rng.random() < 0.2:
        members.append(("from_sequence", str(rng.getrandbits(64))))
    for _ in range(rng.randint(0, 4)):
        members.append((rand_key(used), rand_value(1)))
    return write_object(members)


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate key")  # e.g. "\ud83d"+"\ude00" vs a raw emoji
    return dict(pairs)


def payload_case():
    while True:
        try:
            return try_payload_case()
        except ValueError:
            pass


def try_payload_case():
    ts = rand_number(allow_inf=False)
    if rng.random() < 0.3:
        ts = rng.choice(["1700000000", "1700000000.0", "1.7E9", "-0", "0", "17e8"])
    members = [
        ("type", write_str(rng.choice(TYPES))),
        ("sequence", str(rng.choice([0, 1, 2**53 + 1, 2**64 - 1, rng.getrandbits(64)]))),
        ("timestamp", ts),
        ("data", rand_data()),
    ]
    if rng.random() < 0.2:
        members.append(("x-extra", rand_value(1)))
    text = write_object(members)
    obj = json.loads(text, object_pairs_hook=no_duplicates)
    env = {k: obj[k] for k in ("type", "sequence", "timestamp", "data")}
    canon = json.dumps(env, sort_keys=True, separators=(",", ":"))
    sum_ = hashlib.sha256(canon.encode()).hexdigest()
    assert text.endswith("}")
    full = text[:-1] + "," + ws() + '"checksum":' + ws() + '"' + sum_ + '"' + ws() + "}" + ws()
    return {"kind": "payload", "payload_hex": full.encode("utf-8", "surrogatepass").hex(),
            "checksum_input": canon, "checksum": sum_}


def float_case(x):
    bits = struct.unpack("<Q", struct.pack("<d", x))[0]
    return {"kind": "float", "bits": "%016x" % bits, "repr": repr(x)}


def main():
    out = sys.stdout
    specials = [0.0, -0.0, 1e16, 1e-5, 1e-4, 0.0001, 9999999999999998.0,
                123456789012345.67, 5e-324, 1.7976931348623157e308,
                2.2250738585072014e-308, 0.1, 0.30000000000000004, 1 / 3,
                2.0 ** 53, 2.0 ** 63, 2.0 ** 64, 1e22, 1e21, 1e15, 1e17,
                1700000000.123456, 1700000000.0, 100.0, -1.5, 1.5e-07]
    xs = specials[:]
    while len(xs) < 600:
        x = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
        if not (math.isnan(x) or math.isinf(x)):
            xs.append(x)
    for _ in range(400):
        xs.append(round(rng.uniform(-1e10, 1e10) * 10.0 ** rng.randint(-30, 30), rng.randint(0, 12)))
    for x in xs:
        out.write(json.dumps(float_case(x)) + "\n")
    for _ in range(400):
        out.write(json.dumps(payload_case()) + "\n")


if __name__ == "__main__":
    main()
