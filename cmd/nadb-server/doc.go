// Command nadb-server is a Redis-compatible server whose primary replicates
// every change to read-only secondaries over the NADB protocol.
//
// Usage:
//
//	nadb-server [/path/to/nadb.conf] [--name value ...]
//
// It reads the optional config file, then the PRIMARY_HOST and PRIMARY_PORT
// environment variables, then the command-line options (later wins),
// validates the whole configuration, builds the engine, the replication
// node and the Redis front end, and serves until SIGINT, SIGTERM or the
// SHUTDOWN command, when it closes every listener and connection and waits
// for every goroutine it started. `nadb-server --help` lists the options.
package main
