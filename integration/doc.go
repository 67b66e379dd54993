// Package integration holds the end-to-end tests of nadb-server: they build
// the binary once, start real processes on free ports and talk to them with
// real clients (go-redis, redis-cli, redis-benchmark and redis-py).
//
// # Usage
//
//	go test -race -count=1 ./integration/
//
// TestMain builds ./cmd/nadb-server into a temporary directory. Setting
// NADB_TEST_TARGET=redis-server runs the same tests against the installed
// redis-server instead, which checks that the expectations written here are
// those of real Redis; assertions about nadb-server's own behaviour (its
// command line, its refusal of HELLO 3) are skipped there.
//
// # Caveats
//
// Tests that need redis-cli, redis-benchmark, script(1) or redis-py skip
// when the tool is missing on a developer's machine, and fail when CI=true.
// redis-py is run with /usr/bin/python3, where Debian's python3-redis lives.
package integration
