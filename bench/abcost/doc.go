// Command abcost measures what one change costs the server: it runs two
// nadb-server binaries, before and after, in alternating rounds on the same
// machine and compares them on one write workload (redis-benchmark SET,
// -P 16 by default) by throughput and by the server's own CPU seconds per
// million commands (from /proc, the fairest figure on a shared machine),
// and on the latency of DEBUG DIGEST with a million keys loaded. It prints
// a Markdown table of medians; the numbers recorded in bench/RESULTS.md
// come from it.
//
//	go build -o /tmp/before ./cmd/nadb-server   # at the commit before the change
//	go build -o /tmp/after ./cmd/nadb-server
//	go run ./bench/abcost -before /tmp/before -after /tmp/after -rounds 5
package main
