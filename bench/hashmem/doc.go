// Command hashmem measures the RSS per field of hashes in nadb-server and
// redis-server: one hash of N fields, and N hashes of a few small fields,
// each loaded with redis-cli --pipe into a fresh server.
//
// Usage:
//
//	go build -o /tmp/nadb-server ./cmd/nadb-server
//	go run ./bench/hashmem -nadb /tmp/nadb-server -n 1000000
//
// It prints one markdown table row per server and workload: RSS growth
// over the fresh server, divided by the fields (or hashes) loaded.
package main
