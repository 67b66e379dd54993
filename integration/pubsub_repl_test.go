package integration

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPublishReachesSecondaries: a PUBLISH on the primary reaches the
// subscribers of its secondaries too, as in Redis, in order, and after the
// writes made before it: a subscriber of a secondary that reads the key a
// message names finds the value written before the PUBLISH. PUBLISH's reply
// counts the primary's own subscribers only, as Redis's does.
func TestPublishReachesSecondaries(t *testing.T) {
	t.Parallel()
	nadbOnly(t)
	p := startNode(t)
	secs := []*node{startSecondary(t, p), startSecondary(t, p)}
	ctx := context.Background()

	type sub struct {
		c  *redis.Client
		ps *redis.PubSub
	}
	var subs []sub
	for _, s := range secs {
		c := redis.NewClient(&redis.Options{Addr: s.Addr(), ReadTimeout: clientTimeout, WriteTimeout: clientTimeout})
		t.Cleanup(func() { _ = c.Close() })
		ps := c.PSubscribe(ctx, "news.*")
		t.Cleanup(func() { _ = ps.Close() })
		_, err := ps.Receive(ctx)
		require.NoError(t, err)
		subs = append(subs, sub{c, ps})
	}
	// A PUBLISH only reaches the secondaries linked when it is made.
	p.waitInfo("replication", "connected_slaves", "2")

	const n = 200
	for i := range n {
		key := "item:" + strconv.Itoa(i)
		require.NoError(t, p.rdb.Set(ctx, key, "v"+strconv.Itoa(i), 0).Err())
		got, err := p.rdb.Publish(ctx, "news.items", key).Result()
		require.NoError(t, err)
		require.Zero(t, got, "the primary has no subscriber of its own")
	}
	for i, sb := range subs {
		ch := sb.ps.Channel()
		for want := range n {
			select {
			case m := <-ch:
				key := "item:" + strconv.Itoa(want)
				require.Equal(t, "news.items", m.Channel)
				require.Equal(t, "news.*", m.Pattern)
				require.Equal(t, key, m.Payload, "secondary %d: messages in order", i)
				v, err := sb.c.Get(ctx, key).Result()
				require.NoError(t, err, "secondary %d: the write before the PUBLISH is there", i)
				require.Equal(t, "v"+strconv.Itoa(want), v)
			case <-time.After(convergeTimeout):
				t.Fatalf("secondary %d: message %d never arrived", i, want)
			}
		}
	}
	// A PUBLISH on a secondary stays there.
	next := func(i int) *redis.Message {
		select {
		case m := <-subs[i].ps.Channel():
			return m
		case <-time.After(convergeTimeout):
			t.Fatalf("secondary %d: no message", i)
			return nil
		}
	}
	local, err := secs[0].rdb.Publish(ctx, "news.local", "x").Result()
	require.NoError(t, err)
	require.Equal(t, int64(1), local)
	require.Equal(t, "news.local", next(0).Channel)
	require.NoError(t, p.rdb.Publish(ctx, "news.last", "y").Err())
	for i := range subs {
		require.Equal(t, "news.last", next(i).Channel, "the secondary's own PUBLISH went nowhere else")
	}
}

// TestReplicaAnnounce: a secondary started with replica-announce-ip/port
// is reported by its primary at that address, in INFO and ROLE, which is
// where Sentinel finds it; CONFIG SET changes it from the next handshake.
func TestReplicaAnnounce(t *testing.T) {
	t.Parallel()
	nadbOnly(t)
	ctx := context.Background()
	p := startNode(t)
	s := startNode(t, "--replicaof", "127.0.0.1 "+strconv.Itoa(p.Port), "--replica-announce-ip", "10.9.8.7", "--replica-announce-port", "7000")
	p.waitInfo("replication", "connected_slaves", "1")
	require.Contains(t, p.requireInfo("replication")["slave0"], "ip=10.9.8.7,port=7000,")
	role, err := p.rdb.Do(ctx, "ROLE").Slice()
	require.NoError(t, err)
	require.Equal(t, []any{"10.9.8.7", "7000"}, role[2].([]any)[0].([]any)[:2])

	require.NoError(t, s.rdb.ConfigSet(ctx, "slave-announce-ip", "").Err())
	require.NoError(t, s.rdb.ConfigSet(ctx, "replica-announce-port", "0").Err())
	// A new handshake picks the change up.
	require.NoError(t, s.rdb.Do(ctx, "REPLICAOF", "NO", "ONE").Err())
	require.NoError(t, s.rdb.Do(ctx, "REPLICAOF", "127.0.0.1", strconv.Itoa(p.Port)).Err())
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		m, err := p.info(ctx, "replication")
		if assert.NoError(c, err) {
			assert.Contains(c, m["slave0"], "ip=127.0.0.1,port="+strconv.Itoa(s.Port)+",")
		}
	}, convergeTimeout, pollInterval)
}

// TestSPublishReachesSecondaries: an SPUBLISH on the primary reaches the
// shard subscribers of its secondaries (as a Redis replica gets it), not
// their subscribers of the plain channel of that name.
func TestSPublishReachesSecondaries(t *testing.T) {
	t.Parallel()
	nadbOnly(t)
	p := startNode(t)
	sec := startSecondary(t, p)
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: sec.Addr(), ReadTimeout: clientTimeout, WriteTimeout: clientTimeout})
	t.Cleanup(func() { _ = c.Close() })
	shard := c.SSubscribe(ctx, "orders")
	t.Cleanup(func() { _ = shard.Close() })
	_, err := shard.Receive(ctx)
	require.NoError(t, err)
	plain := c.Subscribe(ctx, "orders")
	t.Cleanup(func() { _ = plain.Close() })
	_, err = plain.Receive(ctx)
	require.NoError(t, err)
	p.waitInfo("replication", "connected_slaves", "1")

	require.NoError(t, p.rdb.SPublish(ctx, "orders", "one").Err())
	require.NoError(t, p.rdb.Publish(ctx, "orders", "two").Err())
	select {
	case m := <-shard.Channel():
		require.Equal(t, "orders", m.Channel)
		require.Equal(t, "one", m.Payload)
	case <-time.After(convergeTimeout):
		t.Fatal("the SPUBLISH never reached the secondary's shard subscriber")
	}
	select {
	case m := <-plain.Channel():
		require.Equal(t, "two", m.Payload, "the plain subscriber gets the PUBLISH only")
	case <-time.After(convergeTimeout):
		t.Fatal("the PUBLISH never reached the secondary's subscriber")
	}
}
