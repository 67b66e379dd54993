//go:build nadbfaults

package node

import (
	"os"
	"strconv"
	"strings"
	"sync/atomic"
)

// faults are the test-only fault seam, compiled only with the nadbfaults
// build tag (the integration tests' server binary, and `go test -tags
// nadbfaults`): a production build has none of this, and no client request
// reaches it in any build. A node takes them from its options (this
// package's tests) or from the environment variable NADB_FAULTS, a
// comma-separated list of:
//
//   - skip-apply=N: a secondary drops the operation at sequence N once,
//     as if applied (a divergence for checkpoints to find);
//   - late-handshake-unfixed: the late handshake fix is reverted (see
//     lateHandshakeUnfixed).
type faults struct {
	skipSeq  uint64      // 0: none
	skipped  atomic.Bool // skipSeq was skipped once
	unfixLHS bool
}

// faultsFromEnv parses NADB_FAULTS; nil when it is empty.
func faultsFromEnv() *faults {
	spec := os.Getenv("NADB_FAULTS")
	if spec == "" {
		return nil
	}
	f := &faults{}
	for _, item := range strings.Split(spec, ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(item), "=")
		switch name {
		case "skip-apply":
			n, err := strconv.ParseUint(value, 10, 64)
			if err != nil || n == 0 {
				panic("NADB_FAULTS: skip-apply needs a sequence: " + item)
			}
			f.skipSeq = n
		case "late-handshake-unfixed":
			f.unfixLHS = true
		default:
			panic("NADB_FAULTS: unknown fault " + item)
		}
	}
	return f
}

// skipApply reports whether a secondary should drop the operation at seq
// instead of applying it (while counting it applied): true once, for
// skip-apply's sequence.
func (f *faults) skipApply(seq uint64) bool {
	return f != nil && f.skipSeq != 0 && seq == f.skipSeq && f.skipped.CompareAndSwap(false, true)
}

// lateHandshakeUnfixed reports whether the fix for late handshakes is
// reverted: a primary keeps streaming to a peer it served as a reference
// secondary after that peer speaks, and a secondary takes any stream that
// does not start with SYNC_RESPONSE for a reference primary's.
func (f *faults) lateHandshakeUnfixed() bool { return f != nil && f.unfixLHS }
