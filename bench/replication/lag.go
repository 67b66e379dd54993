package main

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nadb-server/nadb-server/bench/internal/benchkit"
)

const (
	lagWarmUp       = time.Second     // load runs this long before probing starts
	probeTimeout    = 5 * time.Second // a probe not visible by then counts as timed out
	loadMaxBatch    = 256             // SETs per write of the paced generator
	loadMaxInflight = 4096            // unanswered SETs per connection before the writer waits
)

// lagResult is the outcome of the fixed-load lag test.
type lagResult struct {
	server    string
	maxRPS    float64 // median SET rps with 1 secondary (test 1)
	target    float64 // ops/s asked of the load generator
	achieved  float64 // ops/s answered during the probing window
	conns     int
	window    time.Duration // probing window
	interval  time.Duration
	fromSend  []time.Duration // SET sent on the primary → GET hit on the secondary
	fromAck   []time.Duration // +OK received from the primary → GET hit
	setRTT    []time.Duration // SET round trip on the primary, for reference
	timeouts  int
	infoLagMs []float64 // nadb_replica0 lag_ms, sampled every 100 ms
	loadErrs  int64
	catchUp   time.Duration
	digestsOK bool
}

// runLag starts a primary and one secondary, drives the primary at rate
// SET/s with a paced pipelined writer and probes the write → visible lag.
func runLag(ctx context.Context, h *harness, kind string, rate float64) (*lagResult, error) {
	phase := "lag test, " + kind
	res := &lagResult{server: kind, target: rate, conns: h.cfg.lagConns, interval: h.cfg.probeInterval}
	if rate < 1 {
		return nil, fmt.Errorf("no throughput with 1 secondary to derive the lag test's load from")
	}
	primary, secs, err := startCluster(ctx, h, kind, 1)
	if err != nil {
		return nil, err
	}
	sec := secs[0]
	defer func() {
		for _, n := range []*node{sec, primary} { // secondary first: no link-down noise
			n.Stop()
			h.checkLog(n, phase)
		}
	}()
	h.cmds.Add("lag load", fmt.Sprintf("in-process paced writer: %.0f SET/s over %d connections, "+
		"SET load:<random 0..999999> <100-byte value>, pipelined in batches of at most %d, at most %d unanswered per connection",
		rate, res.conns, loadMaxBatch, loadMaxInflight))
	h.cmds.Add("lag probe", fmt.Sprintf("every %v: SET probe:<i> <v> on the primary, then GET probe:<i> on the secondary in a loop until it returns <v> (timeout %v); "+
		"also INFO replication on the primary every 100 ms (nadb_replica0 lag_ms)", res.interval, probeTimeout))

	load, err := startLoad(primary.Addr(), rate, res.conns)
	if err != nil {
		return nil, err
	}
	defer load.close()
	if err := sleepCtx(ctx, lagWarmUp); err != nil {
		return nil, err
	}

	// INFO sampler.
	stopInfo := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stopInfo:
				return
			case <-t.C:
			}
			if m, err := primary.info("replication"); err == nil {
				if v := benchkit.FieldInt(benchkit.ParseFields(m["nadb_replica0"]), "lag_ms"); v >= 0 {
					res.infoLagMs = append(res.infoLagMs, float64(v))
				}
			}
		}
	})

	acked0, t0 := load.acked.Load(), time.Now()
	probeErr := probeLag(ctx, primary, sec, res, t0.Add(h.cfg.lagDuration))
	acked1, t1 := load.acked.Load(), time.Now()
	close(stopInfo)
	wg.Wait()
	res.window = t1.Sub(t0)
	res.achieved = float64(acked1-acked0) / res.window.Seconds()

	loadErr := load.stop(h.cfg.RunTimeout)
	end := time.Now()
	if probeErr != nil {
		return nil, fmt.Errorf("%s: %w%s", phase, probeErr, primary.LogTail())
	}
	if loadErr != nil {
		return nil, fmt.Errorf("%s: load: %w%s", phase, loadErr, primary.LogTail())
	}
	if res.achieved < 0.95*rate {
		h.anomaly("%s: the load generator reached %.0f SET/s of the %.0f asked (the machine is saturated or the primary slowed down)", phase, res.achieved, rate)
	}
	if res.timeouts > 0 {
		h.anomaly("%s: %d of %d probes not visible on the secondary within %v", phase, res.timeouts, res.timeouts+len(res.fromSend), probeTimeout)
	}

	seq, err := primary.sequence()
	if err != nil {
		return nil, err
	}
	res.catchUp, err = h.waitCaughtUp(ctx, []*node{sec}, seq, end)
	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case err != nil:
		h.anomaly("%s: %v", phase, err)
	default:
		res.digestsOK = h.sameDigests(phase, primary, []*node{sec})
	}
	h.checkSecondary(sec, phase)

	p := durStats(res.fromSend)
	fmt.Fprintf(os.Stderr, "%s: lag at %.0f SET/s (asked %.0f): %d probes, p50 %.3f ms, p99 %.3f ms, max %.3f ms, %d timeouts\n",
		kind, res.achieved, rate, len(res.fromSend), p.p50, p.p99, p.max, res.timeouts)
	return res, nil
}

// probeLag runs probes every res.interval until end.
func probeLag(ctx context.Context, primary, sec *node, res *lagResult, end time.Time) error {
	pc, err := benchkit.Dial(primary.Addr(), 2*time.Second)
	if err != nil {
		return err
	}
	defer pc.Close()
	sc, err := benchkit.Dial(sec.Addr(), 2*time.Second)
	if err != nil {
		return err
	}
	defer sc.Close()

	tick := time.NewTicker(res.interval)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		if time.Now().After(end) {
			return nil
		}
		key := "probe:" + strconv.Itoa(i)
		val := "v" + strconv.Itoa(i) + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
		_ = pc.SetDeadline(time.Now().Add(probeTimeout))
		_ = sc.SetDeadline(time.Now().Add(probeTimeout + time.Second))

		sent := time.Now()
		if ok, err := pc.DoString("SET", key, val); err != nil || ok != "OK" {
			return fmt.Errorf("probe SET %s: %q, %v", key, ok, err)
		}
		acked := time.Now()
		for {
			rep, err := sc.Do("GET", key)
			if err != nil {
				return fmt.Errorf("probe GET %s on the secondary: %w", key, err)
			}
			now := time.Now()
			if !rep.Null && rep.Str == val {
				res.fromSend = append(res.fromSend, now.Sub(sent))
				res.fromAck = append(res.fromAck, now.Sub(acked))
				res.setRTT = append(res.setRTT, acked.Sub(sent))
				break
			}
			if now.Sub(sent) > probeTimeout {
				res.timeouts++
				break
			}
		}
	}
}

// loadGen is an open-loop SET generator: each connection sends what its
// schedule says is due, pipelined, and a reader goroutine consumes replies.
type loadGen struct {
	acked atomic.Int64 // +OK replies, all connections
	errs  atomic.Int64 // other replies
	stopC chan struct{}
	wg    sync.WaitGroup
	conns []*loadConn

	mu       sync.Mutex
	firstErr error
}

type loadConn struct {
	c     *benchkit.Client
	sent  atomic.Int64
	acked atomic.Int64
}

func startLoad(addr string, rate float64, nconns int) (*loadGen, error) {
	g := &loadGen{stopC: make(chan struct{})}
	for range nconns {
		c, err := benchkit.Dial(addr, 2*time.Second)
		if err != nil {
			g.close()
			return nil, err
		}
		g.conns = append(g.conns, &loadConn{c: c})
	}
	perConn := rate / float64(nconns)
	for i, lc := range g.conns {
		g.wg.Go(func() { g.write(lc, perConn, uint64(i)) })
		go g.read(lc)
	}
	return g, nil
}

func (g *loadGen) fail(err error) {
	g.mu.Lock()
	if g.firstErr == nil {
		g.firstErr = err
	}
	g.mu.Unlock()
}

// write sends SETs on schedule: by time t, t*perConn of them.
func (g *loadGen) write(lc *loadConn, perConn float64, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, uint64(time.Now().UnixNano())))
	value := make([]byte, tpValueSize)
	for i := range value {
		value[i] = 'a' + byte(i%26)
	}
	var key, buf []byte
	start := time.Now()
	var sent int64
	for {
		select {
		case <-g.stopC:
			return
		default:
		}
		elapsed := time.Since(start)
		due := int64(elapsed.Seconds() * perConn)
		n := min(due-sent, loadMaxBatch, loadMaxInflight-(sent-lc.acked.Load()))
		if n > 0 {
			buf = buf[:0]
			for range n {
				key = strconv.AppendInt(append(key[:0], "load:"...), rng.Int64N(tpKeyspace), 10)
				buf = benchkit.AppendSet(buf, key, value)
			}
			lc.sent.Add(n) // before the write, so the reader never sees more replies than sent
			if _, err := lc.c.Conn().Write(buf); err != nil {
				g.fail(fmt.Errorf("write: %w", err))
				return
			}
			sent += n
			continue
		}
		// Pause until the next SET is due (or a reply frees room).
		next := time.Duration(float64(sent+1)/perConn*float64(time.Second)) - elapsed
		time.Sleep(min(max(next, 100*time.Microsecond), 2*time.Millisecond))
	}
}

// read consumes replies until the connection is closed.
func (g *loadGen) read(lc *loadConn) {
	r := bufio.NewReaderSize(lc.c.Conn(), 64<<10)
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return // closed by stop/close, or the server went away (write fails too)
		}
		if string(line) == "+OK\r\n" {
			lc.acked.Add(1)
			g.acked.Add(1)
			continue
		}
		g.errs.Add(1)
		lc.acked.Add(1)
		g.fail(fmt.Errorf("reply to SET: %q", line))
	}
}

// stop ends the schedule, waits until every SET sent was answered and
// closes the connections.
func (g *loadGen) stop(timeout time.Duration) error {
	close(g.stopC)
	g.wg.Wait()
	deadline := time.Now().Add(timeout)
	for _, lc := range g.conns {
		for lc.acked.Load() < lc.sent.Load() {
			g.mu.Lock()
			failed := g.firstErr != nil
			g.mu.Unlock()
			if failed {
				break
			}
			if time.Now().After(deadline) {
				g.fail(fmt.Errorf("%d SETs unanswered after %v", lc.sent.Load()-lc.acked.Load(), timeout))
				break
			}
			time.Sleep(time.Millisecond)
		}
	}
	g.close()
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.firstErr
}

func (g *loadGen) close() {
	for _, lc := range g.conns {
		lc.c.Close()
	}
}

// stats are nearest-rank percentiles in milliseconds.
type stats struct {
	n             int
	p50, p99, max float64
}

func durStats(ds []time.Duration) stats {
	vals := make([]float64, len(ds))
	for i, d := range ds {
		vals[i] = ms(d)
	}
	return floatStats(vals)
}

func floatStats(vals []float64) stats {
	if len(vals) == 0 {
		return stats{}
	}
	s := slices.Clone(vals)
	slices.Sort(s)
	rank := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(s)))) - 1
		return s[min(max(i, 0), len(s)-1)]
	}
	return stats{n: len(s), p50: rank(0.50), p99: rank(0.99), max: s[len(s)-1]}
}
