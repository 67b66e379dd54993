package engine

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// eventLog records the events told, as "event db key".
type eventLog []string

func (l *eventLog) KeyEvent(_ int64, event string, db int, key string) {
	*l = append(*l, event+" "+string(rune('0'+db))+" "+key)
}

// TestEventsClasses: only the classes asked for are told, nothing without
// a listener, and each event names its database and key.
func TestEventsClasses(t *testing.T) {
	e := New(Options{})
	var got eventLog
	e.Set(0, "k", []byte("v"), SetOptions{})
	e.SetEvents(&got, EventList|EventGeneric)
	e.Set(0, "k", []byte("v"), SetOptions{})
	_, err := e.LPush(2, "l", [][]byte{[]byte("a")}, true, false)
	require.NoError(t, err)
	_, _, err = e.LPop(2, "l", false, 1)
	require.NoError(t, err)
	e.Get(0, "missing")
	require.Equal(t, eventLog{"lpush 2 l", "rpop 2 l", "del 2 l"}, got)

	got = nil
	e.SetEvents(&got, EventNew|EventKeyMiss|EventString)
	e.Set(0, "n", []byte("v"), SetOptions{})
	e.Get(0, "missing")
	require.Equal(t, eventLog{"new 0 n", "set 0 n", "keymiss 0 missing"}, got)

	got = nil
	e.SetEvents(nil, EventNew)
	e.Set(0, "n2", []byte("v"), SetOptions{})
	require.Empty(t, got)
}

// copySink keeps copies of the effects it records.
type copySink struct{ out *[]Effect }

func (s *copySink) Record(efs []Effect, _ Digest, _ int64) {
	for _, ef := range efs {
		ef.Value = append([]byte(nil), ef.Value...)
		*s.out = append(*s.out, ef)
	}
}

// TestEventsApplied: a replica names each applied effect by its kind, with
// "del" after a change that emptied its key.
func TestEventsApplied(t *testing.T) {
	p, r := New(Options{}), New(Options{})
	var effects []Effect
	p.SetSink(&copySink{&effects})
	var got eventLog
	r.SetEvents(&got, EventGeneric|EventString|EventList|EventHash|EventSet|EventZSet)
	_, err := p.IncrBy(0, "n", 1)
	require.NoError(t, err)
	_, err = p.LPush(0, "l", [][]byte{[]byte("a")}, false, false)
	require.NoError(t, err)
	_, _, err = p.LMove(0, "l", "l", true, false)
	require.NoError(t, err)
	_, _, err = p.LPop(0, "l", true, 5)
	require.NoError(t, err)
	_, err = p.HSet(0, "h", [][]byte{[]byte("f"), []byte("v")}, false)
	require.NoError(t, err)
	_, err = p.SAdd(0, "s", [][]byte{[]byte("x")})
	require.NoError(t, err)
	_, err = p.SetAlgebraStore(0, SetUnion, "u", []string{"s"})
	require.NoError(t, err)
	require.True(t, p.ExpireIn(0, "n", 10000, ExpireAlways))
	require.True(t, p.Persist(0, "n"))
	require.Equal(t, 1, p.Del(0, []string{"h"}))
	r.Apply(effects, nil)
	require.Equal(t, eventLog{
		"set 0 n", "rpush 0 l", "rpush 0 l", "lpop 0 l", "lpop 0 l", "del 0 l", "hset 0 h", "sadd 0 s",
		"sadd 0 u", "expire 0 n", "persist 0 n", "del 0 h",
	}, got)
}
