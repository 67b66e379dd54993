package resp

import (
	"sync"
	"time"
)

// Redis's instantaneous metrics (INFO stats' instantaneous_ops_per_sec,
// instantaneous_input_kbps and instantaneous_output_kbps): each a rate
// per second over the interval between two samples, averaged over the
// last 16 samples. The owner of the server's periodic work takes a
// sample ten times a second (SampleRates), as Redis's cron does.

const (
	rateOps = iota // commands processed
	rateIn         // bytes read from clients
	rateOut        // bytes written to clients
	rateKinds
)

// rateSamples is how many samples a rate averages, Redis's.
const rateSamples = 16

type rates struct {
	mu      sync.Mutex
	at      time.Time        // when the last sample was taken (zero: none yet)
	last    [rateKinds]int64 // the counters then
	samples [rateKinds][rateSamples]float64
	next    int // the slot the next sample goes in
}

// SampleRates takes one sample of the counters behind the instantaneous
// metrics, at now.
func (s *Server) SampleRates(now time.Time) {
	cur := [rateKinds]int64{s.totalCommands(), s.bytesRead.Load(), s.bytesWritten.Load()}
	r := &s.rates
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.at.IsZero() {
		if secs := now.Sub(r.at).Seconds(); secs > 0 {
			for k := range cur {
				// A counter that went back (CONFIG RESETSTAT) counts as 0.
				r.samples[k][r.next] = max(float64(cur[k]-r.last[k]), 0) / secs
			}
			r.next = (r.next + 1) % rateSamples
		}
	}
	r.at, r.last = now, cur
}

// rate is the average of kind's samples, per second.
func (r *rates) rate(kind int) float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	sum := 0.0
	for _, v := range r.samples[kind] {
		sum += v
	}
	return sum / rateSamples
}
