// Package replication implements the NADB replication protocol: the frame
// codec (a 4-byte big-endian length, a compact JSON envelope and a SHA-256
// checksum over Python-canonical JSON), the operation log, the primary side
// and the secondary side.
package replication
