package engine_test

// Each TestBug* test reproduces one defect found while writing this suite:
// it asserts the Redis 7 (or documented) behaviour and fails until the
// engine is fixed. Redis replies quoted below were checked against
// redis-server 7.0.15.

import (
	"math"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/engine"
)

// SETRANGE with an offset near MaxInt64 must fail with ErrTooLarge (Redis:
// SETRANGE s 9223372036854775807 x -> "string exceeds maximum allowed size").
// offset+len(val) overflows to a negative number, passes the size check,
// and copy(nv[offset:], val) panics. The RESP layer passes any offset >= 0.
func TestBugSetRangeHugeOffset(t *testing.T) {
	for _, off := range []int64{math.MaxInt64, math.MaxInt64 - 1, 1 << 62} {
		t.Run(strconv.FormatInt(off, 10), func(t *testing.T) {
			v := newEnv(t)
			v.set(t, "k", "abc", 0)
			noPanic(t, func() {
				_, err := v.e.SetRange(0, "k", off, []byte("xy"))
				require.ErrorIs(t, err, engine.ErrTooLarge)
				_, err = v.e.SetRange(0, "missing", off, []byte("xy"))
				require.ErrorIs(t, err, engine.ErrTooLarge)
			})
			v.requireValue(t, 0, "k", ptr("abc"))
			v.requireValue(t, 0, "missing", nil)
		})
	}
}

// On a primary, RANDOMKEY deletes each expired key it meets and keeps
// looking (Redis's dbRandomKey only gives up after 100 tries on a replica).
// The engine gives up after 100 tries on a primary too, so with many
// expired keys it answers nil while a live key exists.
func TestBugRandomKeyGivesUpOnPrimary(t *testing.T) {
	v := newEnv(t)
	for i := range 20000 {
		v.e.Set(0, "dead"+strconv.Itoa(i), []byte("v"), engine.SetOptions{ExpireAt: t0 + 1000})
	}
	v.set(t, "live", "v", 0)
	v.clk.Advance(time.Minute)
	k, ok := v.e.RandomKey(0)
	require.True(t, ok, "a live key exists")
	require.Equal(t, "live", k)
}

// Replace assigns e.dbs = dbs under the lock, but Databases() and ValidDB
// read e.dbs without it, and Replace itself reads len(e.dbs) before taking
// the lock; ActiveExpireCycle calls Databases() unlocked. A replica that
// installs a full resync while its expire loop or a SELECT runs is a data
// race. Fails only under -race.
func TestBugReplaceDataRace(t *testing.T) {
	v := newEnv(t)
	items := []engine.Item{{DB: 0, Key: "k", Value: []byte("v")}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(3)
	go func() {
		defer wg.Done()
		defer close(stop)
		for range 200 {
			v.e.Replace(items, nil)
		}
	}()
	go func() { // what SELECT does (ValidDB) and the expire loop starts with
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			_ = v.e.Databases()
			_ = v.e.ValidDB(3)
		}
	}()
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			v.e.ActiveExpireCycle(time.Millisecond)
		}
	}()
	wg.Wait()
}

// Values stored by Replace (and by Apply) share their backing array with
// the caller's slices. Append extends a value in place when it has spare
// capacity, so an engine that received another engine's snapshot (or
// effects) in-process and then appends to a key writes into the bytes the
// other engine is still using.
func TestBugReplaceSharesValueArrays(t *testing.T) {
	t.Run("replace", func(t *testing.T) {
		p, r := newEnv(t), newEnv(t)
		p.set(t, "k", "ab", 0)
		_, err := p.e.Append(0, "k", []byte("c")) // now "abc" with spare capacity
		require.NoError(t, err)
		r.e.Replace(p.e.Items(), nil)
		_, err = p.e.Append(0, "k", []byte("P"))
		require.NoError(t, err)
		_, err = r.e.Append(0, "k", []byte("R"))
		require.NoError(t, err)
		p.requireValue(t, 0, "k", ptr("abcP"))
		r.requireValue(t, 0, "k", ptr("abcR"))
	})
	t.Run("apply then promote", func(t *testing.T) {
		p, r := newEnv(t), newEnv(t)
		r.e.SetReplica(true)
		p.set(t, "k", "ab", 0)
		_, err := p.e.Append(0, "k", []byte("c"))
		require.NoError(t, err)
		for _, g := range p.sink.Take() {
			r.e.Apply(g, nil)
		}
		_, err = p.e.Append(0, "k", []byte("P"))
		require.NoError(t, err)
		r.e.SetReplica(false) // failover
		_, err = r.e.Append(0, "k", []byte("R"))
		require.NoError(t, err)
		p.requireValue(t, 0, "k", ptr("abcP"))
		r.requireValue(t, 0, "k", ptr("abcR"))
	})
}

// Redis's string2ld (strtold) rejects Go's digit separators: INCRBYFLOAT k
// 1_000 -> "value is not a valid float"; strconv.ParseFloat accepts them.
// (The reverse also differs: strtold takes "0x10" as 16, Go refuses a hex
// float without a 'p' exponent.)
func TestBugParseFloatUnderscore(t *testing.T) {
	for _, s := range []string{"1_000", "1_0.5", "0x_1p4"} {
		t.Run(s, func(t *testing.T) {
			_, ok := engine.ParseFloat([]byte(s))
			require.False(t, ok)
		})
	}
}

// Redis 7 counts keyspace_hits/misses for EXISTS, TYPE and SET ... GET
// (they look keys up with lookupKeyRead*); checked with INFO stats. The
// engine's Exists (and Touch), Type and Set with Get count nothing.
func TestBugStatsReadsNotCounted(t *testing.T) {
	cases := []struct {
		name         string
		op           func(e *engine.Engine)
		hits, misses int64
	}{
		{"exists", func(e *engine.Engine) { e.Exists(0, []string{"k", "missing"}) }, 1, 1},
		{"type", func(e *engine.Engine) { e.Type(0, "k"); e.Type(0, "missing") }, 1, 1},
		{"set get", func(e *engine.Engine) {
			e.Set(0, "k", []byte("2"), engine.SetOptions{Get: true})
			e.Set(0, "missing", []byte("2"), engine.SetOptions{Get: true})
		}, 1, 1},
		{"live counts nothing", func(e *engine.Engine) {
			if !e.Live(0, "k") || e.Live(0, "missing") {
				panic("Live is wrong")
			}
		}, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newEnv(t)
			v.set(t, "k", "v", 0)
			c.op(v.e)
			st := v.e.Stats()
			require.Equal(t, c.hits, st.Hits, "hits")
			require.Equal(t, c.misses, st.Misses, "misses")
		})
	}
}

// Redis stores INCRBYFLOAT's result with createStringObject, never
// int-encoded: INCRBYFLOAT nf 1; OBJECT ENCODING nf -> "embstr". The engine
// reports "int" for any result that parses as an integer.
func TestBugEncodingAfterIncrByFloat(t *testing.T) {
	v := newEnv(t)
	_, err := v.e.IncrByFloat(0, "k", []byte("5000"))
	require.NoError(t, err)
	enc, ok := v.e.Encoding(0, "k")
	require.True(t, ok)
	require.Equal(t, "embstr", enc)
}

// SCAN ... TYPE compares the type name case-insensitively in Redis
// (strcasecmp): SCAN 0 TYPE STRING returns string keys. The RESP layer
// passes the argument through and the engine compares with ==.
func TestBugScanTypeCaseInsensitive(t *testing.T) {
	v := newEnv(t)
	for i := range 20 {
		v.set(t, strconv.Itoa(i), "v", 0)
	}
	require.Len(t, scanAll(t, v.e, 0, "*", 100, "STRING", nil), 20)
	require.Len(t, scanAll(t, v.e, 0, "*", 100, "String", nil), 20)
}
