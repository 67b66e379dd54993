//go:build !nadbfaults

package node

// faults are the test-only fault seam: in a production build (without the
// nadbfaults build tag) it does nothing and nothing can switch it on; see
// faults_on.go for what a test build can inject.
type faults struct{}

// faultsFromEnv returns the faults the environment asks for: none here.
func faultsFromEnv() *faults { return nil }

// skipApply reports whether a secondary should drop the operation at seq
// instead of applying it (while counting it applied).
func (*faults) skipApply(uint64) bool { return false }

// lateHandshakeUnfixed reports whether the fix for late handshakes is
// reverted: a primary keeps streaming to a peer it served as a reference
// secondary after that peer speaks, and a secondary takes any stream that
// does not start with SYNC_RESPONSE for a reference primary's.
func (*faults) lateHandshakeUnfixed() bool { return false }
