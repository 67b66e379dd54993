# The front door: README, .ci/run and developers use these targets.
GO      ?= go
BIN     := bin/nadb-server
ARGS    ?=
FUZZTIME ?= 30s

.PHONY: all build run test test-short test-failover soak bench bench-quick fuzz verify clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/nadb-server

# Runs a server on the default ports (6379 for Redis clients, 9000 for
# replication), keeping its data in ./data, with DEBUG (DEBUG DIGEST) allowed
# from this host. Pass options with ARGS, e.g. make run ARGS="--port 7000".
run: build
	mkdir -p data
	./$(BIN) --dir data --enable-debug-command local $(ARGS)

# Every unit and integration test, with the race detector; then the one test
# too slow under it (large frames through the files), without; then the
# keyspace table's tests with its large index arrays mapped from the system,
# which a race build keeps in the Go heap (engine/slab/slots_other.go); then the
# tests of the fault seam, which only a build with the nadbfaults tag has. Integration tests
# need redis-cli, redis-benchmark and python3-redis: they skip when a tool
# is missing, except under CI=true where they fail.
test:
	$(GO) test -race -count=1 -timeout 20m ./...
	$(GO) test -count=1 -run 'TestNodeLargeValuePersists' ./replication/node/
	$(GO) test -count=1 -run 'TestIndexUnmaps|TestDroppedTable|TableAgainstMap|TestMovesAreIncremental|TestScanGuarantee' ./engine/slab/
	$(GO) test -race -count=1 -tags nadbfaults -run 'TestFault' ./replication/node/

test-short:
	$(GO) test -race -count=1 -short ./...

# The Sentinel failover tests (three redis-sentinel processes, a primary
# killed with SIGKILL, go-redis and redis-py writers that record every write
# WAIT 1 confirmed) FAILOVER_COUNT times in a row each; .ci/run runs them
# ten times. Needs redis-sentinel and python3-redis.
FAILOVER_COUNT ?= 10
test-failover:
	$(GO) test -race -count=$(FAILOVER_COUNT) -failfast -timeout 20m -run 'TestSentinelFailover' ./integration/

# The kill -9 tests with many more cycles (SOAK_CYCLES, default 200):
# a primary killed at random moments of a write load must lose no
# acknowledged write, and its secondary must resume without diverging.
SOAK_CYCLES ?= 200
soak:
	NADB_SOAK_CYCLES=$(SOAK_CYCLES) $(GO) test -race -count=1 -timeout 60m \
		-run 'TestPersistenceKill9UnderLoad|TestReplicaPersistPrimaryKill9UnderLoad' ./integration/

# Every goal of issue #10, measured side by side with a real redis-server and
# written to bench/RESULTS.md (each program's section, then the Goals table),
# plus the Go micro-benchmarks. About 35-45 minutes on an idle 2-core machine
# (see bench/README.md). Knobs: BENCH_ROUNDS (alternating rounds of every
# program; empty: each program's default, 3-5), BENCH_OUT (results file),
# BENCH_FLAGS (flags every program takes, e.g. -keep-tmp), BENCH_GO=0 (skip
# the Go micro-benchmarks).
BENCH_ROUNDS ?=
BENCH_OUT    ?= bench/RESULTS.md
BENCH_FLAGS  ?=
BENCH_GO     ?= 1
bench_common = -nadb-bin $(BIN) -out $(BENCH_OUT) $(if $(BENCH_ROUNDS),-rounds $(BENCH_ROUNDS)) $(BENCH_FLAGS)
bench: build
	$(if $(filter 1,$(BENCH_GO)),$(GO) test -run '^$$' -bench . -benchmem ./engine/ ./replication/...)
	$(GO) run ./bench/sidebyside $(bench_common)
	$(GO) run ./bench/replication $(bench_common)
	$(GO) run ./bench/persistence $(bench_common)
	$(GO) run ./bench/lruhit $(bench_common)
	$(GO) run ./bench/goals -out $(BENCH_OUT)

# The same programs with tiny sizes and one round (about a minute), marked as
# a smoke run, into BENCH_QUICK_OUT (created afresh; not bench/RESULTS.md):
# checks the harness, measures nothing worth keeping.
BENCH_QUICK_OUT ?= $(or $(TMPDIR),/tmp)/nadb-bench-quick.md
bench_quick = -nadb-bin $(BIN) -out $(BENCH_QUICK_OUT) -rounds 1 -smoke $(BENCH_FLAGS)
bench-quick: build
	rm -f $(BENCH_QUICK_OUT)
	$(GO) run ./bench/sidebyside $(bench_quick) -n-p1 5000 -n-p16 50000 -mem-keys 50000
	$(GO) run ./bench/replication $(bench_quick) -n 30000 -keys 20000 -lag-duration 2s -skip-micro
	$(GO) run ./bench/persistence $(bench_quick) -n 30000 -n-mset 5000 -keys 20000
	$(GO) run ./bench/lruhit $(bench_quick) -keys 100000 -ops 200000 -warmup 50000 -maxmemory 8mb
	$(GO) run ./bench/goals -out $(BENCH_QUICK_OUT)
	@echo "smoke results in $(BENCH_QUICK_OUT)"

fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) ./replication/frame/
	$(GO) test -run '^$$' -fuzz '^FuzzEachBatchItem$$' -fuzztime $(FUZZTIME) ./replication/frame/
	$(GO) test -run '^$$' -fuzz '^FuzzEachOpBatchEntry$$' -fuzztime $(FUZZTIME) ./replication/frame/
	$(GO) test -run '^$$' -fuzz '^FuzzAppendBase64$$' -fuzztime $(FUZZTIME) ./replication/frame/
	# The file-based targets write a file per input: minimising each new
	# input for the default 60 s would leave little time for fuzzing.
	$(GO) test -run '^$$' -fuzz '^FuzzLoadAOF$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./replication/aof/
	$(GO) test -run '^$$' -fuzz '^FuzzReadSnapshot$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./replication/aof/
	$(GO) test -run '^$$' -fuzz '^FuzzApply$$' -fuzztime $(FUZZTIME) ./engine/
	$(GO) test -run '^$$' -fuzz '^FuzzCommand$$' -fuzztime $(FUZZTIME) ./resp/
	$(GO) test -run '^$$' -fuzz '^FuzzInputGuard$$' -fuzztime $(FUZZTIME) ./resp/
	$(GO) test -run '^$$' -fuzz '^FuzzConnRead$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./resp/
	$(GO) test -run '^$$' -fuzz '^FuzzFirstTwo$$' -fuzztime $(FUZZTIME) ./resp/
	$(GO) test -run '^$$' -fuzz '^FuzzPrimaryHandshake$$' -fuzztime $(FUZZTIME) ./replication/node/
	$(GO) test -run '^$$' -fuzz '^FuzzTable$$' -fuzztime $(FUZZTIME) ./engine/slab/
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) ./engine/rdb/
	$(GO) test -run '^$$' -fuzz '^FuzzRestore$$' -fuzztime $(FUZZTIME) ./engine/rdb/
	$(GO) test -run '^$$' -fuzz '^FuzzStringLib$$' -fuzztime $(FUZZTIME) ./resp/script/

verify:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) mod tidy -diff

clean:
	rm -rf bin
