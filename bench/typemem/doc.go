// Command typemem measures the RSS per element of each collection type in
// nadb-server and redis-server: one big hash, set, sorted set and list of
// N elements each, and N small hashes, each loaded with redis-cli --pipe
// into a fresh server.
//
// Usage:
//
//	go build -o /tmp/nadb-server ./cmd/nadb-server
//	go run ./bench/typemem -nadb /tmp/nadb-server -n 1000000 [-only set,zset]
//
// It prints one markdown table row per workload and server: RSS growth
// over the fresh server, divided by the elements (or hashes) loaded.
// nadb-server keeps its recent operations in memory for partial
// resynchronisation even with no secondary (repl-backlog-size, 64mb by
// default; a loaded collection's operations fill it), where Redis
// allocates its 1mb backlog only once a replica attaches: -backlog sets
// nadb-server's (1mb by default here, so that both count their data).
package main
