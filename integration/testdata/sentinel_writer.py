"""Writes through redis-py's Sentinel client until killed.

Usage: sentinel_writer.py <master name> <sentinel port>...

Each write is a SET of a key to its own name followed by WAIT 1 on the
same connection; the key of every write WAIT confirmed (at least one
secondary has it) is printed on a line of its own. Errors while the
sentinels fail over are retried with the next key.
"""

import sys

import redis
from redis.sentinel import Sentinel


def main():
    name = sys.argv[1]
    sentinel = Sentinel([("127.0.0.1", int(p)) for p in sys.argv[2:]], socket_timeout=2)
    master = sentinel.master_for(name, socket_timeout=2, socket_connect_timeout=1)
    i = 0
    while True:
        key = "fo:py:%d" % i
        i += 1
        try:
            pipe = master.pipeline(transaction=False)
            pipe.set(key, key)
            pipe.execute_command("WAIT", 1, 1000)
            _, acked = pipe.execute()
        except (redis.ConnectionError, redis.TimeoutError, redis.ResponseError, redis.sentinel.MasterNotFoundError) as e:
            print("retrying after: %r" % (e,), file=sys.stderr, flush=True)
            continue
        if acked >= 1:
            print(key, flush=True)


if __name__ == "__main__":
    main()
