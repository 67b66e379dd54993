// Package resp is the Redis protocol front end of nadb-server: the accept
// and connection loops, per-client state, the command table, the command
// handlers and every Redis error text the server sends.
// github.com/tidwall/redcon is used only as the RESP codec.
//
// # Usage
//
//	srv := resp.New(resp.Options{Engine: eng, Config: cfg, Logger: log})
//	go srv.Serve(ln)  // any net.Listener, TLS included; resp.ErrServerClosed after Close
//	...
//	srv.Close()       // closes the listener and every client, waits for them
//
// Each command is an entry of the command table (name, arity, flags,
// handler); the write flag is what makes a replica refuse the command with
// Redis's READONLY error. Handlers parse arguments, call the engine and
// write the reply; engine sentinel errors become Redis text in errors.go,
// the only place wire error strings live.
//
// # Connection loop
//
// Each connection has one goroutine (loop.go) that reads into a reused
// buffer, parses every complete command in place, runs it and appends its
// reply to a reused output buffer, then, once per pipeline, waits for the
// pipeline's writes to be durable (Replication.WriteDone) and sends the
// replies in one write. A command's arguments point into the read buffer
// and are overwritten by the next read: a handler (or the engine) that
// keeps an argument beyond its command must copy it.
//
// # Caveats
//
// The parser has no limit on bulk length or on a client's unparsed input,
// so every connection is wrapped by a reader (limitConn, limits.go) that
// enforces proto-max-bulk-len and client-query-buffer-limit before the
// bytes reach the parser.
package resp
