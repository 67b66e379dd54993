package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/replication/aof"
	"github.com/nadb-server/nadb-server/replication/frame"
	"github.com/nadb-server/nadb-server/replication/node"
	"github.com/nadb-server/nadb-server/resp"
)

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// run is the whole program; it returns the exit status.
func run(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "check-log" {
		return checkLog(args[1:], stdout, stderr)
	}
	settings, file, err := parseArgs(args, getenv)
	switch {
	case errors.Is(err, errHelp):
		printHelp(stdout)
		return 0
	case errors.Is(err, errVersion):
		fmt.Fprintf(stdout, "nadb-server v=%s (redis %s compatible)\n", resp.Version, "7.2.0")
		return 0
	case err != nil:
		fmt.Fprintf(stderr, "nadb-server: %v\n", err)
		return 1
	}
	cfg, err := build(settings, file)
	if err != nil {
		fmt.Fprintf(stderr, "nadb-server: %v\n", err)
		return 1
	}
	level := new(slog.LevelVar)
	level.Set(logLevel(cfg.LogLevel))
	logger, closeLog, err := newLogger(cfg, level, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "nadb-server: option 'logfile': %v\n", err)
		return 1
	}
	defer closeLog()
	// GOGC in the environment is the operator's choice: no pacing then.
	cfg.PaceGC = getenv("GOGC") == ""
	// io-threads sets GOMAXPROCS (see threads.go) unless the environment does.
	cfg.PaceThreads = getenv("GOMAXPROCS") == ""
	if cfg.PaceThreads {
		runtime.GOMAXPROCS(cfg.IOThreads)
	}
	if err := serve(cfg, settings, logger, level); err != nil {
		if cfg.LogFile != "" {
			// Standard error gets it below; the log file must say too.
			logger.Error("fatal", "err", err)
		}
		fmt.Fprintf(stderr, "nadb-server: %v\n", err)
		return 1
	}
	return 0
}

// serve builds the parts, runs them until a signal or SHUTDOWN, and stops
// them in order.
func serve(cfg Config, settings *settings, logger *slog.Logger, level *slog.LevelVar) error {
	var tlsSet *tlsSetup
	if cfg.TLS.enabled() {
		var err error
		if tlsSet, err = newTLSSetup(cfg.TLS); err != nil {
			return err
		}
		if cfg.TLS.CipherSuites != "" {
			logger.Warn("tls-ciphersuites is checked but not applied: Go's TLS 1.3 always offers all its suites", "tls-ciphersuites", cfg.TLS.CipherSuites)
		}
	}
	// The lock comes first, so that a second node on the same dir touches
	// nothing (not even a shared pidfile) before it refuses.
	dirLock, err := aof.LockDir(cfg.Dir)
	if errors.Is(err, aof.ErrDirLocked) {
		return fmt.Errorf("option 'dir': %w (another nadb-server uses it: give each node its own --dir)", err)
	}
	if err != nil {
		return fmt.Errorf("option 'dir': %w", err)
	}
	defer dirLock.Unlock()
	if len(cfg.Ignored) > 0 {
		logger.Warn("config directives of redis-server that change nothing here", "ignored", strings.Join(cfg.Ignored, " "))
	}
	if cfg.PidFile != "" {
		if err := os.WriteFile(cfg.PidFile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
			return fmt.Errorf("option 'pidfile': %w", err)
		}
		defer os.Remove(cfg.PidFile)
	}
	eng := engine.New(engine.Options{Databases: cfg.Databases, MaxValueSize: cfg.ProtoMaxBulkLen, Eviction: cfg.Eviction})
	eng.SetHashLimits(cfg.HashLimits)
	eng.SetHLLSparseMaxBytes(hllSparseMaxOf(settings.value))
	eng.SetCollLimits(cfg.CollLimits)
	// A reference secondary knows only whole string values.
	eng.SetCompactEffects(!cfg.AllowLegacy)
	runID := frame.NewReplID()

	var lns []net.Listener
	closeAll := func() {
		for _, ln := range lns {
			_ = ln.Close()
		}
	}
	// The listeners leave keepalive to keepAliveListener (a negative
	// period: net sets nothing), which follows CONFIG SET tcp-keepalive.
	lc := net.ListenConfig{KeepAlive: -1}
	ka := &keepAlive{}
	ka.secs.Store(int64(cfg.TCPKeepAlive))
	// The plain-text port, then the TLS port, each on every bind address.
	type clientPort struct {
		option string
		port   int
		tls    bool
	}
	for _, cp := range []clientPort{{"port", cfg.Port, false}, {"tls-port", cfg.TLS.Port, true}} {
		if cp.port == 0 {
			continue
		}
		for _, addr := range cfg.Bind {
			ln, err := lc.Listen(context.Background(), "tcp", net.JoinHostPort(bindHost(addr), strconv.Itoa(cp.port)))
			if err != nil && optionalBind(addr, err) {
				logger.Warn("optional bind address not available, skipped", "bind", addr, "err", err)
				continue
			}
			if err != nil {
				closeAll()
				return fmt.Errorf("option 'bind'/'%s': %w", cp.option, err)
			}
			ln = keepAliveListener{Listener: ln, ka: ka}
			if cp.tls {
				ln = tlsListener{Listener: ln, config: tlsSet.serverConfig(), logger: logger, port: cp.option}
			}
			lns = append(lns, ln)
		}
	}
	if len(lns) == 0 {
		return fmt.Errorf("option 'bind': none of the addresses %q is available", strings.Join(cfg.Bind, " "))
	}
	// A primary binds its NADB port before it loads anything, as it binds
	// the Redis ports: a port that is taken then stops the start before
	// loading has changed the data directory (a torn log tail cut off).
	listenRepl := replListener(cfg, tlsSet, logger)
	var replLn net.Listener
	if listenRepl != nil && cfg.PrimaryHost == "" && cfg.ReplicaOf == "" {
		ln, err := listenRepl()
		if err != nil {
			closeAll()
			return fmt.Errorf("option 'repl-listen-host'/'repl-listen-port': %w", err)
		}
		replLn = ln
		listenRepl = boundFirst(ln, listenRepl)
	}

	// The Redis port answers from the start: while the append-only file
	// loads, commands get -LOADING (PING, INFO and the like work).
	shutdown := make(chan struct{})
	var shutdownOnce sync.Once
	srv := resp.New(resp.Options{
		Engine:            eng,
		Config:            settings,
		Logger:            logger,
		RunID:             runID,
		Port:              cfg.Port,
		ConfigFile:        cfg.ConfigFile,
		ProtoMaxBulkLen:   cfg.ProtoMaxBulkLen,
		QueryBufLimit:     cfg.QueryBufLimit,
		MaxClients:        cfg.MaxClients,
		RequirePass:       cfg.RequirePass,
		ProtectedMode:     cfg.ProtectedMode,
		DebugCommand:      cfg.DebugCommand,
		ModuleCommand:     cfg.ModuleCommand,
		Timeout:           time.Duration(cfg.Timeout) * time.Second,
		OutputLimit:       cfg.OutputLimit,
		MinReplicas:       minReplicasOf(settings.value),
		PubSubOutputLimit: &cfg.PubSubLimit,
		Loading:           true,
		Shutdown:          func() { shutdownOnce.Do(func() { close(shutdown) }) },
	})
	srv.SetSlowLog(slowLogOf(settings.value))
	srv.SetKeyspaceEvents(settings.value("notify-keyspace-events"))
	if n, err := strconv.ParseInt(settings.value("latency-monitor-threshold"), 10, 64); err == nil {
		srv.SetLatencyThreshold(n)
	}
	if n, err := strconv.ParseInt(settings.value("busy-reply-threshold"), 10, 64); err == nil {
		srv.SetBusyThreshold(n)
	}
	if n, err := strconv.ParseInt(settings.value("tracking-table-max-keys"), 10, 64); err == nil {
		srv.SetTrackingMaxKeys(n)
	}
	var wg sync.WaitGroup
	serveErr := make(chan error, len(lns)+1)
	for _, ln := range lns {
		wg.Go(func() {
			if err := srv.Serve(ln); !errors.Is(err, resp.ErrServerClosed) {
				serveErr <- err
			}
		})
	}
	stopEarly := func() {
		_ = srv.Close()
		wg.Wait()
	}
	history, diskLog, popts, err := openPersistence(cfg, dirLock, eng, logger, srv.SetLoadProgress)
	if err != nil {
		stopEarly()
		if replLn != nil {
			_ = replLn.Close()
		}
		return err
	}
	// Reading the files left garbage (frames, decoded groups) several
	// times the size of what the log tail keeps: return it to the system
	// now rather than let the scavenger do it over minutes.
	debug.FreeOSMemory()

	repl := node.NewNode(node.NodeOptions{
		Engine:          eng,
		Logger:          logger.With("part", "replication"),
		ListenHost:      cfg.ReplListenHost,
		ListenPort:      cfg.ReplListenPort,
		RespPort:        announcedPort(cfg.Port, cfg.TLS),
		MaxOperationLog: cfg.MaxOperationLog,
		MaxLogBytes:     replBacklogBytes(cfg.ReplBacklogSize),
		Heartbeat:       time.Duration(cfg.HeartbeatInterval) * time.Second,
		Timeout:         time.Duration(cfg.ReplTimeout) * time.Second,
		// A frame must carry the largest value a primary may hold.
		MaxFrame:           frame.MaxFrameLimit,
		BroadcastAsync:     cfg.BroadcastAsync,
		VerifyInterval:     verifyInterval(cfg.VerifyIntervalMs),
		ReplPassword:       replPassword(cfg),
		MasterUser:         cfg.MasterUser,
		MasterAuth:         cfg.MasterAuth,
		AllowLegacy:        cfg.AllowLegacy,
		MaxPeers:           cfg.MaxReplPeers,
		MaxUnauthenticated: cfg.MaxReplPending,
		ReplicaOutputLimit: cfg.ReplicaLimit,
		ServeDivergedData:  cfg.ServeDiverged,
		RefuseStaleData:    cfg.RefuseStale,
		NodeID:             runID,
		History:            history,
		AOF:                diskLog,
		Persist:            popts,
		Listen:             listenRepl,
		Dial:               replDialer(cfg, tlsSet),
		Deliver:            srv.Deliver,
		Announce: func() (string, int) {
			port, _ := strconv.Atoi(settings.value("replica-announce-port"))
			return settings.value("replica-announce-ip"), port
		},
	})
	switch {
	case cfg.PrimaryHost != "":
		err = repl.FollowNADB(net.JoinHostPort(cfg.PrimaryHost, strconv.Itoa(cfg.PrimaryPort)))
	case cfg.ReplicaOf != "":
		f := strings.Fields(cfg.ReplicaOf)
		port, _ := strconv.Atoi(f[1])
		_, err = repl.ReplicaOf(f[0], port)
	}
	if err != nil {
		stopEarly()
		repl.Close()
		return fmt.Errorf("starting replication: %w", err)
	}
	// A primary opens its NADB listener now and refuses to start without
	// it; a secondary opens it when promoted (Node.Listen).
	if cfg.PrimaryHost == "" && cfg.ReplicaOf == "" {
		if err := repl.Listen(); err != nil {
			stopEarly()
			repl.Close()
			return fmt.Errorf("option 'repl-listen-host'/'repl-listen-port': %w", err)
		}
	}
	// CONFIG GET and CONFIG REWRITE answer the role the node has now.
	settings.mu.Lock()
	settings.role = func() replicationRole { return roleOf(repl.Status()) }
	settings.mu.Unlock()
	srv.SetLoaded(repl, repl)

	settings.onChange = func(name, value string) {
		switch name {
		case "proto-max-bulk-len":
			n, _ := parseMemory(value)
			srv.SetLimits(n, 0)
			eng.SetMaxValueSize(n)
		case "client-query-buffer-limit":
			n, _ := parseMemory(value)
			srv.SetLimits(0, n)
		case "broadcast-async":
			repl.SetBroadcastAsync(strings.EqualFold(value, "yes"))
		case "repl-verify-interval":
			ms, _ := strconv.Atoi(value)
			repl.SetVerifyInterval(verifyInterval(ms))
		case "replica-serve-stale-data":
			repl.SetServeStaleData(strings.EqualFold(value, "yes"))
		case "replica-serve-diverged-data":
			repl.SetServeDivergedData(strings.EqualFold(value, "yes"))
		case "repl-password":
			repl.SetReplPassword(replPasswordOf(settings.value("repl-password"), settings.value("requirepass")))
		case "masterauth", "masteruser":
			repl.SetMasterAuth(settings.value("masteruser"), settings.value("masterauth"))
		case "repl-allow-legacy":
			repl.SetAllowLegacy(strings.EqualFold(value, "yes"))
			eng.SetCompactEffects(!strings.EqualFold(value, "yes"))
		case "repl-max-peers", "repl-max-unauthenticated":
			peers, _ := strconv.Atoi(settings.value("repl-max-peers"))
			pending, _ := strconv.Atoi(settings.value("repl-max-unauthenticated"))
			repl.SetPeerLimits(peers, pending)
		case "auto-aof-rewrite-percentage", "auto-aof-rewrite-min-size":
			pct, _ := strconv.Atoi(settings.value("auto-aof-rewrite-percentage"))
			minSize, _ := parseMemory(settings.value("auto-aof-rewrite-min-size"))
			repl.SetAutoRewrite(pct, minSize)
		case "aof-segment-size":
			n, _ := parseMemory(value)
			repl.SetSegmentLimit(n)
		case "repl-backlog-size":
			n, _ := parseMemory(value)
			repl.SetMaxLogBytes(replBacklogBytes(n))
		case "heartbeat-interval":
			n, _ := strconv.Atoi(value)
			repl.SetHeartbeat(time.Duration(n) * time.Second)
		case "latency-monitor-threshold":
			n, _ := strconv.ParseInt(value, 10, 64)
			srv.SetLatencyThreshold(n)
		case "notify-keyspace-events":
			srv.SetKeyspaceEvents(value)
		case "busy-reply-threshold":
			n, _ := strconv.ParseInt(value, 10, 64)
			srv.SetBusyThreshold(n)
		case "tracking-table-max-keys":
			n, _ := strconv.ParseInt(value, 10, 64)
			srv.SetTrackingMaxKeys(n)
		case "slowlog-log-slower-than", "slowlog-max-len":
			srv.SetSlowLog(slowLogOf(settings.value))
		case "repl-timeout":
			n, _ := strconv.Atoi(value)
			repl.SetTimeout(time.Duration(n) * time.Second)
		case "appendfsync":
			if p, err := aof.ParseFsyncPolicy(strings.ToLower(value)); err == nil {
				repl.SetFsyncPolicy(p)
			}
		case "loglevel":
			level.Set(logLevel(strings.ToLower(value)))
		case "maxclients":
			n, _ := strconv.Atoi(value)
			srv.SetMaxClients(n)
		case "requirepass":
			srv.SetRequirePass(value)
			repl.SetReplPassword(replPasswordOf(settings.value("repl-password"), value))
		case "protected-mode":
			srv.SetProtectedMode(strings.EqualFold(value, "yes"))
		case "tcp-keepalive":
			n, _ := strconv.ParseInt(value, 10, 64)
			ka.secs.Store(n)
		case "timeout":
			n, _ := strconv.Atoi(value)
			srv.SetTimeout(time.Duration(n) * time.Second)
		case "maxmemory", "maxmemory-policy", "maxmemory-samples", "lfu-log-factor", "lfu-decay-time":
			setEviction(eng, evictionOf(settings.value), logger)
		case "hash-max-listpack-entries", "hash-max-listpack-value":
			eng.SetHashLimits(hashLimitsOf(settings.value))
		case "hll-sparse-max-bytes":
			eng.SetHLLSparseMaxBytes(hllSparseMaxOf(settings.value))
		case "list-max-listpack-size", "set-max-intset-entries", "zset-max-listpack-entries", "zset-max-listpack-value":
			eng.SetCollLimits(collLimitsOf(settings.value))
		case "replica-ignore-maxmemory": // yes only
		case "min-replicas-to-write", "min-replicas-max-lag":
			srv.SetMinReplicas(minReplicasOf(settings.value))
		case "client-output-buffer-limit":
			all := settings.value("client-output-buffer-limit")
			srv.SetOutputLimit(normalOutputLimit(all))
			srv.SetPubSubOutputLimit(pubsubOutputLimit(all))
			repl.SetReplicaOutputLimit(replicaOutputLimit(all))
		default:
			reloadTLS(tlsSet, name, settings.value, logger)
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	expiryCtx, stopExpiry := context.WithCancel(context.Background())
	wg.Go(func() { runCron(expiryCtx, eng, srv) })
	if cfg.PaceGC {
		wg.Go(func() { runGCPacer(expiryCtx) })
	}
	if cfg.PaceThreads {
		wg.Go(func() { runThreads(expiryCtx, repl, cfg.IOThreads) })
	}

	notifyReady(cfg.Supervised, logger)
	logger.Info("ready to accept connections", "port", cfg.Port, "tls_port", cfg.TLS.Port, "bind", cfg.Bind, "repl_port", cfg.ReplListenPort, "pid", os.Getpid())
	var runErr error
	select {
	case <-ctx.Done():
		logger.Info("received signal, shutting down")
	case <-shutdown:
		logger.Info("SHUTDOWN received, shutting down")
	case runErr = <-serveErr:
	}
	// Bounded whatever the clients do: the front end stops (it closes every
	// connection, then cancels the context its blocking commands wait on:
	// WAIT, DEBUG SLEEP, writes waiting for secondaries), the node stops
	// (which also wakes whatever waits on it, and flushes and fsyncs the
	// log), and only then are the connections waited for, briefly.
	stopExpiry()
	srv.Stop()
	repl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), shutdownWait)
	if err := srv.Shutdown(ctx); err != nil {
		logger.Warn("client connections still running at exit", "err", err)
	}
	cancel()
	wg.Wait()
	logger.Info("ready to exit, bye bye")
	return runErr
}

// minReplicasOf reads min-replicas-to-write and min-replicas-max-lag.
func minReplicasOf(v func(string) string) resp.MinReplicas {
	n, _ := strconv.Atoi(v("min-replicas-to-write"))
	lag, _ := strconv.Atoi(v("min-replicas-max-lag"))
	return resp.MinReplicas{ToWrite: n, MaxLag: lag}
}

// shutdownWait bounds the wait for client connections to finish at
// shutdown, once the front end and the node have stopped.
const shutdownWait = 500 * time.Millisecond

// replListener returns what opens the NADB listener, or nil when
// repl-listen-port is 0 (no listener, as port 0 means for redis-server).
// With tls-replication yes the listener speaks TLS only.
func replListener(cfg Config, tlsSet *tlsSetup, logger *slog.Logger) func() (net.Listener, error) {
	if cfg.ReplListenPort == 0 {
		return nil
	}
	addr := net.JoinHostPort(bindHost(cfg.ReplListenHost), strconv.Itoa(cfg.ReplListenPort))
	return func() (net.Listener, error) {
		ln, err := net.Listen("tcp", addr)
		if err != nil || !cfg.TLS.Replication {
			return ln, err
		}
		return tlsListener{Listener: ln, config: tlsSet.serverConfig(), logger: logger, port: "repl-listen-port"}, nil
	}
}

// boundFirst returns a listen function that hands out ln, bound already,
// on its first call and opens a new listener with open on later calls
// (after a demotion and a promotion).
func boundFirst(ln net.Listener, open func() (net.Listener, error)) func() (net.Listener, error) {
	var mu sync.Mutex
	return func() (net.Listener, error) {
		mu.Lock()
		defer mu.Unlock()
		if ln != nil {
			first := ln
			ln = nil
			return first, nil
		}
		return open()
	}
}

// replDialer is how a secondary reaches its primary: over TLS with
// tls-replication yes, else plain TCP (nil).
func replDialer(cfg Config, tlsSet *tlsSetup) node.DialFunc {
	if !cfg.TLS.Replication {
		return nil
	}
	return tlsSet.dial
}

// openPersistence loads the data directory into eng and opens the log
// (aof.Open holds the rules), reporting progress. It returns the history
// the node resumes, the open log (nil without appendonly) and the snapshot
// settings.
func openPersistence(cfg Config, lock *aof.DirLock, eng *engine.Engine, logger *slog.Logger, progress func(float64)) (*aof.History, node.Log, node.PersistOptions, error) {
	popts := node.PersistOptions{Dir: cfg.Dir, AutoRewritePercentage: cfg.AutoRewritePct, AutoRewriteMinSize: cfg.AutoRewriteMin}
	policy, err := aof.ParseFsyncPolicy(cfg.AppendFsync)
	if err != nil {
		return nil, nil, popts, fmt.Errorf("option 'appendfsync': %w", err)
	}
	start := time.Now()
	lastLog := time.Now()
	opened, err := aof.Open(aof.OpenOptions{
		Dir: cfg.Dir, Engine: eng, AppendOnly: cfg.AppendOnly, Policy: policy, SegmentLimit: cfg.SegmentSize,
		Follows: cfg.PrimaryHost != "" || cfg.ReplicaOf != "", Logger: logger, Lock: lock,
		// What the operation log can hold refills it; the rest is applied
		// as it is read.
		KeepOps: cfg.MaxOperationLog,
		Progress: func(read, total int64) {
			progress(float64(read) / float64(max(total, 1)))
			if time.Since(lastLog) >= 2*time.Second {
				lastLog = time.Now()
				secs := time.Since(start).Seconds()
				logger.Info("loading the data directory", "percent", fmt.Sprintf("%.1f", 100*float64(read)/float64(max(total, 1))),
					"mb_per_second", fmt.Sprintf("%.1f", float64(read)/(1<<20)/max(secs, 0.001)))
			}
		},
	})
	if err != nil {
		return nil, nil, popts, fmt.Errorf("loading the data directory: %w", err)
	}
	h, rec := opened.History, opened.Recovered
	if rec.HasSnapshot {
		popts.LastSave, popts.SnapshotBytes = rec.SnapshotTime, rec.SnapshotBytes
	}
	logger.Info("data directory loaded", "dir", cfg.Dir, "snapshot", rec.HasSnapshot, "snapshot_sequence", rec.SnapshotSeq,
		"operations", h.Last-h.Base, "sequence", h.Last, "replid", h.ReplID, "took", time.Since(start))
	if opened.Log == nil {
		return h, nil, popts, nil
	}
	return h, opened.Log, popts, nil
}

// checkLog is `nadb-server check-log <path> [--fix] [--databases N]`: it
// verifies a data directory (its snapshots, its log segments and that they
// follow one another) or one log segment and, with --fix, cuts a damaged
// last segment at the end of its last intact group. It exits 0 for sound
// (or repaired) data, 1 for damaged data and 2 for a usage or I/O error.
func checkLog(args []string, stdout, stderr io.Writer) int {
	path, fix, dbs := "", false, 16
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--fix":
			fix = true
		case a == "--databases" && i+1 < len(args):
			n, err := strconv.Atoi(args[i+1])
			if err != nil || n < 1 {
				fmt.Fprintf(stderr, "nadb-server check-log: invalid value '%s' for option 'databases'\n", args[i+1])
				return 2
			}
			dbs = n
			i++
		case path == "" && !strings.HasPrefix(a, "--"):
			path = a
		default:
			fmt.Fprintf(stderr, "nadb-server check-log: unexpected argument '%s'\n", a)
			return 2
		}
	}
	if path == "" {
		fmt.Fprintln(stderr, "usage: nadb-server check-log <data directory or log segment> [--fix] [--databases N]")
		return 2
	}
	// CheckDir and CheckAOF take the directory's lock with --fix: they
	// never rewrite files under a running node.
	check := aof.CheckAOF
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		check = aof.CheckDir
	}
	report, ok, err := check(path, dbs, fix)
	for _, line := range report {
		fmt.Fprintln(stdout, line)
	}
	if err != nil {
		fmt.Fprintf(stderr, "nadb-server check-log: %v\n", err)
		return 2
	}
	if !ok {
		return 1
	}
	return 0
}

// setEviction applies changed eviction options and, as Redis does at a
// CONFIG SET, evicts at once down to a lowered maxmemory (a secondary
// evicts nothing: its primary's evictions reach it in the stream).
func setEviction(eng *engine.Engine, c engine.EvictionConfig, logger *slog.Logger) {
	eng.SetEviction(c)
	if m := eng.Memory(); c.MaxMemory > 0 && m.Used > c.MaxMemory {
		logger.Warn("the new maxmemory is below the memory used: keys will be evicted, or writes refused, as maxmemory-policy says",
			"maxmemory", c.MaxMemory, "used_memory", m.Used, "maxmemory-policy", c.Policy.String())
	}
	_ = eng.FreeMemory()
}

// runCron does the server's periodic work ten times a second (Redis's
// default hz), until ctx ends: the engine's active expire cycle, with a
// 25 ms budget, and a sample of the instantaneous metrics INFO shows.
func runCron(ctx context.Context, eng *engine.Engine, srv *resp.Server) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			eng.ActiveExpireCycle(25 * time.Millisecond)
			srv.SampleRates(now)
		}
	}
}

// optionalBind reports a listen error to skip: as in Redis, an address
// written with a leading '-' (Debian's redis.conf binds "127.0.0.1 -::1")
// is skipped when the machine does not have it or its address family.
func optionalBind(addr string, err error) bool {
	return strings.HasPrefix(addr, "-") && (errors.Is(err, syscall.EADDRNOTAVAIL) || errors.Is(err, syscall.EAFNOSUPPORT))
}

// bindHost maps redis.conf address forms to a listen host.
func bindHost(addr string) string {
	switch addr {
	case "*":
		return "0.0.0.0"
	case "localhost":
		return "127.0.0.1"
	}
	if len(addr) > 0 && addr[0] == '-' {
		return addr[1:]
	}
	return addr
}

// newLogger returns a logger writing to the logfile or stderr at level.
func newLogger(cfg Config, level slog.Leveler, stderr io.Writer) (*slog.Logger, func(), error) {
	w := stderr
	closeFn := func() {}
	if cfg.LogFile != "" {
		f, err := os.OpenFile(cfg.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, nil, err
		}
		w, closeFn = f, func() { _ = f.Close() }
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level})), closeFn, nil
}

// logLevel maps Redis's loglevel names onto slog levels.
func logLevel(name string) slog.Level {
	switch name {
	case "debug", "verbose":
		return slog.LevelDebug
	case "warning":
		return slog.LevelWarn
	}
	return slog.LevelInfo
}

// notifyReady tells systemd that the server is ready (sd_notify READY=1 on
// $NOTIFY_SOCKET) with supervised systemd, or auto when systemd started
// the process. Other settings, and a missing socket, do nothing.
func notifyReady(supervised string, logger *slog.Logger) {
	sock := os.Getenv("NOTIFY_SOCKET")
	if sock == "" || (supervised != "systemd" && supervised != "auto") {
		return
	}
	if sock[0] == '@' {
		sock = "\x00" + sock[1:] // an abstract socket
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		logger.Warn("supervised systemd: cannot reach NOTIFY_SOCKET", "err", err)
		return
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("READY=1\nSTATUS=Ready to accept connections\n")); err != nil {
		logger.Warn("supervised systemd: cannot notify", "err", err)
	}
}

// verifyInterval turns repl-verify-interval (milliseconds, 0: off) into the
// node's setting (negative: off).
func verifyInterval(ms int) time.Duration {
	if ms <= 0 {
		return -1
	}
	return time.Duration(ms) * time.Millisecond
}

// replPassword is the password the NADB port requires: repl-password, or
// requirepass when that is empty.
func replPassword(cfg Config) string { return replPasswordOf(cfg.ReplPassword, cfg.RequirePass) }

func replPasswordOf(replPW, requirePass string) string {
	if replPW != "" {
		return replPW
	}
	return requirePass
}
