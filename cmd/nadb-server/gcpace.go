package main

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// The collector's headroom. By default Go lets the heap grow to twice what
// is live before it collects (GOGC=100), so a server holding 1 GB of keys
// would keep up to another gigabyte of garbage. The keyspace lives in
// slabs the collector never scans (engine/slab), so a collection costs
// about the same whatever the dataset's size, and collecting more often is
// cheap: the server keeps the headroom at a fixed budget instead of a
// share of the heap, with the percentage that gives it, between
// minGCPercent and 100. Setting GOGC in the environment turns this off.
const (
	gcHeadroom   = 16 << 20
	minGCPercent = 10
	gcPaceEvery  = time.Second
)

// gcPercentFor is the GOGC value that gives gcHeadroom over live bytes.
func gcPercentFor(live uint64) int {
	if live == 0 {
		return 100
	}
	return int(min(max(gcHeadroom*100/live, minGCPercent), 100))
}

// idlePurgeAfter is how long the collector must have been quiet before
// the pacer returns free memory to the system.
const idlePurgeAfter = 5 * time.Second

// idlePurge decides when to return free memory to the system. The
// collector runs only as the heap grows, so a server that goes quiet after
// a burst (one SET of a 100 MB value leaves a read buffer and frames of
// that size behind) keeps that garbage, and the scavenger then hands the
// pages back over minutes: its RSS stayed at 3.3 times what was live.
// Once no collection has run for idlePurgeAfter, the pacer collects and
// releases everything free at once (debug.FreeOSMemory, what MEMORY PURGE
// does), once per quiet spell: a busy server collects on its own and is
// never purged.
type idlePurge struct {
	cycles uint64    // the collections counted at the last look
	since  time.Time // when that count last changed
	done   bool      // purged since
}

// due reports, given the collections counted so far at now, whether to
// purge; after a purge the caller passes the count it left.
func (p *idlePurge) due(cycles uint64, now time.Time) bool {
	if cycles != p.cycles || p.since.IsZero() {
		p.cycles, p.since, p.done = cycles, now, false
		return false
	}
	return !p.done && now.Sub(p.since) >= idlePurgeAfter
}

// purged records the purge and the collections counted after it.
func (p *idlePurge) purged(cycles uint64, now time.Time) {
	p.cycles, p.since, p.done = cycles, now, true
}

// runGCPacer adjusts the collector's percentage to the live heap, and
// purges free memory when the collector goes quiet (idlePurge), until ctx
// is done, then restores the percentage it found.
func runGCPacer(ctx context.Context) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/cycles/total:gc-cycles"}}
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)
	t := time.NewTicker(gcPaceEvery)
	defer t.Stop()
	var quiet idlePurge
	for {
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			debug.SetGCPercent(gcPercentFor(sample[0].Value.Uint64()))
		}
		if sample[1].Value.Kind() == metrics.KindUint64 && quiet.due(sample[1].Value.Uint64(), time.Now()) {
			debug.FreeOSMemory()
			metrics.Read(sample)
			quiet.purged(sample[1].Value.Uint64(), time.Now())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
