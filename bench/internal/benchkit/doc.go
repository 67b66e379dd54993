// Package benchkit is the machinery shared by the benchmark programs in
// bench/ (sidebyside, replication and persistence): the command-line flags
// they share, building nadb-server, starting server processes on free
// loopback ports and stopping them (killing them, or waiting for a clean
// exit), waiting for them to answer PING, a minimal RESP2 client, running
// redis-benchmark and parsing its CSV output, describing the machine, and
// rewriting one program's section of bench/RESULTS.md between its markers.
//
// It uses the standard library only and is Linux-specific (process groups,
// Pdeathsig, /proc).
package benchkit
