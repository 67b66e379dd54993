package integration

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The Sentinel failover tests run three stock redis-sentinel processes
// against a nadb-server primary and two secondaries, with a writer that
// records every write WAIT 1 confirmed. The primary is killed with SIGKILL;
// then the sentinels promote a secondary, the other one follows it with a
// partial resync, the writer carries on through the same client object,
// and the old primary, started again from its config file, is turned into
// a secondary by Sentinel and converges. At the end every node has the
// same DEBUG DIGEST and every confirmed write is there.

const sentinelMaster = "mymaster"

// sentinel is one redis-sentinel process owned by a test.
type sentinel struct {
	port int
	cmd  *exec.Cmd
	out  *lockedBuffer
	rdb  *redis.SentinelClient
}

// startSentinels starts n sentinels monitoring the primary on port, with
// a quorum of 2 and a down-after of three seconds. Not one: a sentinel
// sends its first PING to a new primary a second after it switched to it,
// and counts the wait from the switch, so with a one-second down-after it
// may find the primary it just elected down and fail over again.
func startSentinels(t *testing.T, n, primaryPort int) []*sentinel {
	t.Helper()
	bin := requireTool(t, "redis-sentinel")
	var out []*sentinel
	for _, port := range freePorts(t, n) {
		dir := t.TempDir()
		conf := filepath.Join(dir, "sentinel.conf")
		body := fmt.Sprintf("port %[1]d\nbind 127.0.0.1\ndir %[2]q\n"+
			"sentinel monitor %[3]s 127.0.0.1 %[4]d 2\n"+
			"sentinel down-after-milliseconds %[3]s 3000\n"+
			"sentinel failover-timeout %[3]s 10000\n"+
			"sentinel parallel-syncs %[3]s 2\n", port, dir, sentinelMaster, primaryPort)
		require.NoError(t, os.WriteFile(conf, []byte(body), 0o644))
		s := &sentinel{port: port, out: &lockedBuffer{}}
		s.cmd = exec.Command(bin, conf)
		s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
		setPdeathsig(s.cmd)
		require.NoError(t, s.cmd.Start())
		exited := make(chan struct{})
		go func() {
			_ = s.cmd.Wait()
			close(exited)
		}()
		s.rdb = redis.NewSentinelClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(port)})
		t.Cleanup(func() {
			_ = s.rdb.Close()
			_ = s.cmd.Process.Kill()
			<-exited
			if t.Failed() {
				t.Logf("sentinel on %d:\n%s", port, s.out.String())
			}
		})
		out = append(out, s)
	}
	return out
}

// masterPort returns the port the sentinel names for the master.
func (s *sentinel) masterPort(ctx context.Context) (int, error) {
	addr, err := s.rdb.GetMasterAddrByName(ctx, sentinelMaster).Result()
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(addr[1])
}

// failoverWriter is a client that writes through Sentinel and records the
// writes WAIT 1 confirmed.
type failoverWriter interface {
	// confirmed returns the keys whose writes were confirmed so far, each
	// holding its own name as value.
	confirmed() []string
	stop()
}

// goRedisWriter writes with go-redis's failover client: SET, then WAIT 1
// on the same connection (a pipeline).
type goRedisWriter struct {
	mu   sync.Mutex
	keys []string
	quit chan struct{}
	done chan struct{}
}

func startGoRedisWriter(t *testing.T, sentinels []*sentinel) failoverWriter {
	var addrs []string
	for _, s := range sentinels {
		addrs = append(addrs, "127.0.0.1:"+strconv.Itoa(s.port))
	}
	rdb := redis.NewFailoverClient(&redis.FailoverOptions{
		MasterName: sentinelMaster, SentinelAddrs: addrs,
		DialTimeout: time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second,
	})
	w := &goRedisWriter{quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		defer rdb.Close()
		ctx := context.Background()
		for i := 0; ; i++ {
			select {
			case <-w.quit:
				return
			default:
			}
			key := "fo:go:" + strconv.Itoa(i)
			var wait *redis.Cmd
			_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
				p.Set(ctx, key, key, 0)
				wait = p.Do(ctx, "WAIT", 1, 1000)
				return nil
			})
			if err != nil {
				continue // failing over: go-redis asks the sentinels again
			}
			if n, err := wait.Int(); err == nil && n >= 1 {
				w.mu.Lock()
				w.keys = append(w.keys, key)
				w.mu.Unlock()
			}
		}
	}()
	t.Cleanup(w.stop)
	return w
}

func (w *goRedisWriter) confirmed() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.keys...)
}

func (w *goRedisWriter) stop() {
	select {
	case <-w.quit:
	default:
		close(w.quit)
	}
	<-w.done
}

// pyWriter runs testdata/sentinel_writer.py, redis-py's Sentinel client,
// which prints each confirmed key on a line of its own.
type pyWriter struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	keys []string
	read chan struct{} // closed once stdout is drained
	once sync.Once
	t    *testing.T
	errs *lockedBuffer
}

func startPyWriter(t *testing.T, sentinels []*sentinel) failoverWriter {
	python := requireRedisPy(t, "redis.sentinel")
	args := []string{"testdata/sentinel_writer.py", sentinelMaster}
	for _, s := range sentinels {
		args = append(args, strconv.Itoa(s.port))
	}
	w := &pyWriter{cmd: exec.Command(python, args...), read: make(chan struct{}), t: t, errs: &lockedBuffer{}}
	w.cmd.Stderr = w.errs
	stdout, err := w.cmd.StdoutPipe()
	require.NoError(t, err)
	setPdeathsig(w.cmd)
	require.NoError(t, w.cmd.Start())
	go func() {
		defer close(w.read)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			w.mu.Lock()
			w.keys = append(w.keys, sc.Text())
			w.mu.Unlock()
		}
	}()
	t.Cleanup(w.stop)
	return w
}

func (w *pyWriter) confirmed() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.keys...)
}

func (w *pyWriter) stop() {
	w.once.Do(func() {
		_ = w.cmd.Process.Kill()
		<-w.read
		_ = w.cmd.Wait()
		if w.t.Failed() {
			w.t.Logf("redis-py writer's stderr:\n%s", w.errs.String())
		}
	})
}

// waitConfirmed waits until the writer has confirmed more than n writes.
func waitConfirmed(t *testing.T, w failoverWriter, n int, what string) {
	t.Helper()
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Greater(c, len(w.confirmed()), n, "confirmed writes %s", what)
	}, convergeTimeout, pollInterval)
}

// infoField reads one field of an INFO section.
func infoField(ctx context.Context, rdb *redis.Client, section, field string) (string, error) {
	text, err := rdb.Info(ctx, section).Result()
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(text, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return v, nil
		}
	}
	return "", errors.New(field + " not in INFO " + section)
}

func TestSentinelFailoverGoRedis(t *testing.T) { sentinelFailover(t, startGoRedisWriter) }

func TestSentinelFailoverRedisPy(t *testing.T) { sentinelFailover(t, startPyWriter) }

func sentinelFailover(t *testing.T, startWriter func(*testing.T, []*sentinel) failoverWriter) {
	nadbOnly(t)
	requireTool(t, "redis-sentinel")
	ctx := context.Background()
	const persist = "appendonly yes\nenable-debug-command local\n" // DEBUG DIGEST
	primary := startFromConfig(t, persist)
	replicaOf := fmt.Sprintf("replicaof 127.0.0.1 %d\n", primary.Port)
	secs := []*confNode{startFromConfig(t, persist+replicaOf), startFromConfig(t, persist+replicaOf)}
	for _, s := range secs {
		requireRole(t, s.Server, "slave", primary.Port)
	}
	sentinels := startSentinels(t, 3, primary.Port)
	// Every sentinel knows both secondaries and the two other sentinels.
	for _, s := range sentinels {
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			reps, err := s.rdb.Replicas(ctx, sentinelMaster).Result()
			if assert.NoError(c, err) {
				assert.Len(c, reps, 2)
			}
			sens, err := s.rdb.Sentinels(ctx, sentinelMaster).Result()
			if assert.NoError(c, err) {
				assert.Len(c, sens, 2)
			}
		}, convergeTimeout, pollInterval, "sentinel %d's view", s.port)
	}

	w := startWriter(t, sentinels)
	waitConfirmed(t, w, 200, "before the failover")
	primary.Kill()
	killedAt := len(w.confirmed())

	// The sentinels elect a new primary among the secondaries.
	var promoted, other *confNode
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		for _, s := range sentinels {
			port, err := s.masterPort(ctx)
			if !assert.NoError(c, err) || !assert.NotEqual(c, primary.Port, port, "sentinel %d still names the old primary", s.port) {
				return
			}
		}
		port, _ := sentinels[0].masterPort(ctx)
		for i, s := range secs {
			if s.Port == port {
				promoted, other = s, secs[1-i]
			}
		}
		assert.NotNil(c, promoted, "the new primary is one of the secondaries")
	}, convergeTimeout, pollInterval)
	requireRole(t, promoted.Server, "master", 0)
	// The other secondary follows it, with a partial resync: it copies
	// nothing it had already.
	requireRole(t, other.Server, "slave", promoted.Port)
	newPrimary := promoted.Client()
	defer newPrimary.Close()
	full, err := infoField(ctx, newPrimary, "stats", "sync_full")
	require.NoError(t, err)
	require.Equal(t, "0", full, "the other secondary continued with a partial resync")
	partial, err := infoField(ctx, newPrimary, "stats", "sync_partial_ok")
	require.NoError(t, err)
	require.NotEqual(t, "0", partial)

	// The writer carries on through the same client object.
	waitConfirmed(t, w, killedAt+200, "after the failover")

	// The old primary, started again from its config file, is turned
	// into a secondary of the new one by Sentinel and converges.
	primary.restart()
	requireRole(t, primary.Server, "slave", promoted.Port)
	waitConfirmed(t, w, len(w.confirmed())+50, "with the old primary back")
	w.stop()
	keys := w.confirmed()

	nodes := []*Server{promoted.Server, other.Server, primary.Server}
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		var digests, offsets []string
		for _, n := range nodes {
			rdb := n.Client()
			d, err := rdb.Do(ctx, "DEBUG", "DIGEST").Text()
			rdb.Close()
			if !assert.NoError(c, err) {
				return
			}
			digests = append(digests, d)
		}
		for _, n := range nodes[1:] {
			rdb := n.Client()
			off, err := infoField(ctx, rdb, "replication", "slave_repl_offset")
			rdb.Close()
			if !assert.NoError(c, err) {
				return
			}
			offsets = append(offsets, off)
		}
		assert.Equal(c, digests[0], digests[1], "DEBUG DIGEST of the promoted node and the other secondary")
		assert.Equal(c, digests[0], digests[2], "DEBUG DIGEST of the promoted node and the old primary")
	}, convergeTimeout, pollInterval)

	// Every write WAIT 1 confirmed, before and after the failover, is there.
	var missing []string
	for start := 0; start < len(keys); start += 500 {
		batch := keys[start:min(start+500, len(keys))]
		vals, err := newPrimary.MGet(ctx, batch...).Result()
		require.NoError(t, err)
		for i, v := range vals {
			if v != batch[i] {
				missing = append(missing, batch[i])
			}
		}
	}
	require.Empty(t, missing, "writes confirmed by WAIT 1 lost in the failover (%d of %d; %d confirmed before the kill)", len(missing), len(keys), killedAt)
	t.Logf("%d confirmed writes, %d before the kill; all present on %d nodes", len(keys), killedAt, len(nodes))
}
