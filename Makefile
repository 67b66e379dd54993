# The front door: README, .ci/run and developers use these targets.
GO      ?= go
BIN     := bin/nadb-server
ARGS    ?=
FUZZTIME ?= 30s

.PHONY: all build run test test-short soak bench fuzz verify clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/nadb-server

# Runs a server on the default ports (6379 for Redis clients, 9000 for
# replication), keeping its data in ./data. Pass options with ARGS, e.g.
# make run ARGS="--port 7000".
run: build
	mkdir -p data
	./$(BIN) --dir data $(ARGS)

# Every unit and integration test, with the race detector; then the one test
# too slow under it (large frames through the files), without; then the
# tests of the fault seam, which only a build with the nadbfaults tag has. Integration tests
# need redis-cli, redis-benchmark and python3-redis: they skip when a tool
# is missing, except under CI=true where they fail.
test:
	$(GO) test -race -count=1 -timeout 20m ./...
	$(GO) test -count=1 -run 'TestNodeLargeValuePersists' ./replication/node/
	$(GO) test -race -count=1 -tags nadbfaults -run 'TestFault' ./replication/node/

test-short:
	$(GO) test -race -count=1 -short ./...

# The kill -9 tests with many more cycles (SOAK_CYCLES, default 200):
# a primary killed at random moments of a write load must lose no
# acknowledged write, and its secondary must resume without diverging.
SOAK_CYCLES ?= 200
soak:
	NADB_SOAK_CYCLES=$(SOAK_CYCLES) $(GO) test -race -count=1 -timeout 60m \
		-run 'TestPersistenceKill9UnderLoad|TestReplicaPersistPrimaryKill9UnderLoad' ./integration/

# Side-by-side comparison with a real redis-server, written to
# bench/RESULTS.md, plus the Go micro-benchmarks.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./engine/ ./replication/...
	$(GO) run ./bench/sidebyside
	$(GO) run ./bench/replication
	$(GO) run ./bench/persistence

fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) ./replication/frame/
	# The file-based targets write a file per input: minimising each new
	# input for the default 60 s would leave little time for fuzzing.
	$(GO) test -run '^$$' -fuzz '^FuzzLoadAOF$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./replication/aof/
	$(GO) test -run '^$$' -fuzz '^FuzzReadSnapshot$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./replication/aof/
	$(GO) test -run '^$$' -fuzz '^FuzzCommand$$' -fuzztime $(FUZZTIME) ./resp/
	$(GO) test -run '^$$' -fuzz '^FuzzInputGuard$$' -fuzztime $(FUZZTIME) ./resp/
	$(GO) test -run '^$$' -fuzz '^FuzzConnRead$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./resp/
	$(GO) test -run '^$$' -fuzz '^FuzzPrimaryHandshake$$' -fuzztime $(FUZZTIME) ./replication/node/

verify:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) mod tidy -diff

clean:
	rm -rf bin
