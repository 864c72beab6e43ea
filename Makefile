# xdna-worker build, test and image targets. Everything a fresh machine needs
# comes from the Go module proxy; images are built FROM scratch (no registry).

GO            ?= go
BIN           := $(CURDIR)/bin
NATS_VERSION  := v2.15.2
MINIO_VERSION := v0.0.0-20260212201848-7aac2a2c5b7c
MC_VERSION    := v0.0.0-20250313080218-cf909e1063a9
# The CA bundle copied into the worker images (Debian's ca-certificates).
CA_BUNDLE     ?= /etc/ssl/certs/ca-certificates.crt
GOPATH_BIN    := $(shell $(GO) env GOPATH)/bin
TEST_FLAGS    ?= -race -count=1 -timeout 45m
export TESTCONTAINERS_RYUK_DISABLED := true

.PHONY: all build tools test load-levels bench images demo clean compose-smoke audio-fixtures fuzz decode-bench

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN)/ ./cmd/xdna-worker ./cmd/xdna-gateway ./cmd/xdnactl ./deploy/xdna-provision

# tools: the real NATS server, MinIO and mc binaries the tests and images use
# (mc sets up the workers' MinIO user in docker-compose.local.yml).
# A copy already installed with the same version in GOPATH/bin is reused.
tools: $(BIN)/nats-server $(BIN)/minio $(BIN)/mc

$(BIN)/nats-server:
	@mkdir -p $(BIN)
	@if [ -x $(GOPATH_BIN)/nats-server ] && $(GO) version -m $(GOPATH_BIN)/nats-server 2>/dev/null | grep -q 'mod.*$(NATS_VERSION)'; then \
		echo "reusing $(GOPATH_BIN)/nats-server"; cp $(GOPATH_BIN)/nats-server $@; \
	else \
		CGO_ENABLED=0 GOBIN=$(BIN) $(GO) install github.com/nats-io/nats-server/v2@$(NATS_VERSION); \
	fi

$(BIN)/mc:
	@mkdir -p $(BIN)
	@if [ -x $(GOPATH_BIN)/mc ] && $(GO) version -m $(GOPATH_BIN)/mc 2>/dev/null | grep -q '$(MC_VERSION)'; then \
		echo "reusing $(GOPATH_BIN)/mc"; cp $(GOPATH_BIN)/mc $@; \
	else \
		CGO_ENABLED=0 GOBIN=$(BIN) $(GO) install github.com/minio/mc@$(MC_VERSION); \
	fi

$(BIN)/minio:
	@mkdir -p $(BIN)
	@if [ -x $(GOPATH_BIN)/minio ] && $(GO) version -m $(GOPATH_BIN)/minio 2>/dev/null | grep -q '$(MINIO_VERSION)'; then \
		echo "reusing $(GOPATH_BIN)/minio"; cp $(GOPATH_BIN)/minio $@; \
	else \
		echo "building minio $(MINIO_VERSION) (about 2 minutes)"; \
		CGO_ENABLED=0 GOBIN=$(BIN) $(GO) install github.com/minio/minio@$(MINIO_VERSION); \
	fi

# test: unit tests everywhere; the container tests in integration/ too when a
# Docker engine answers (they skip without one, and fail under CI without one).
test: tools
	@if docker info >/dev/null 2>&1; then $(MAKE) --no-print-directory images; else echo "no Docker engine: integration tests will skip"; fi
	MINIO_BIN=$(BIN)/minio $(GO) test $(TEST_FLAGS) -skip '^TestLoadLevels$$' ./...
	$(MAKE) --no-print-directory load-levels
	# Without the race detector too: its slowdown hides the race between a
	# lane's wake-up and the stream's store that this test guards against.
	$(GO) test -count=1 -run '^TestIdleNextTakesEachJobAtOnce$$' ./queue/
	$(GO) test -count=1 -tags purego ./whisper/kernel/ ./audio/mp3/ ./audio/aac/ ./pipeline/
	@if docker info >/dev/null 2>&1; then scripts/compose-smoke.sh; else echo "no Docker engine: compose smoke test skipped"; fi

# load-levels: the fleet's throughput check (3 sim worker containers must
# reach 95 % of the device's ideal at concurrency 50), run alone and without
# the race detector: it measures the workers, so nothing else may compete
# for this machine's cores, the load client included (the loadtest package
# runs under -race in cmd/xdnactl's tests). Skips without a Docker engine.
load-levels:
	$(GO) test -count=1 -timeout 15m -run '^TestLoadLevels$$' ./integration/

# compose-smoke: docker-compose.yml + docker-compose.local.yml up, one job, down.
compose-smoke: images
	scripts/compose-smoke.sh

# bench: the pools' and pipeline's benchmarks, then our side of the
# comparison with whisper.cpp (issue 10): encoder window and decoder token
# of random-weight tiny and base models in F16, Q8_0 and Q5_0, the same
# files scripts/bench-vs-whispercpp.sh gives both programs (made once in
# BENCH_MODELS, quantized by whisper.cpp's whisper-quantize where present),
# on BENCH_THREADS threads.
BENCH_MODELS  ?= $(BIN)/bench-models
BENCH_THREADS ?= 2
BENCH_TIME    ?= 5x
BENCH_TOKENS  ?= 256x
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./xdna/ ./pipeline/
	scripts/bench-vs-whispercpp.sh models $(BENCH_MODELS)
	cd whisper && XDNA_BENCH_MODELS=$(BENCH_MODELS) GOMAXPROCS=$(BENCH_THREADS) \
		$(GO) test -run '^$$' -bench 'BenchmarkFileEncoder' -benchtime $(BENCH_TIME) .
	cd whisper && XDNA_BENCH_MODELS=$(BENCH_MODELS) GOMAXPROCS=$(BENCH_THREADS) \
		$(GO) test -run '^$$' -bench 'BenchmarkFileDecoderToken' -benchtime $(BENCH_TOKENS) .

# audio-fixtures: regenerate every committed audio test file and its ffmpeg
# reference decode from one source (needs Debian's sox, espeak-ng, flac, lame,
# vorbis-tools, opus-tools, ffmpeg and python3). The tests use the committed
# files; this is only for changing them.
audio-fixtures:
	audio/testdata/source.sh
	audio/testdata/make.sh
	for d in flac mp3 vorbis opus ogg mkv mp4 aac; do audio/$$d/testdata/make.sh; done

# decode-bench: every audio format, built-in decoder next to ffmpeg.
decode-bench: build
	scripts/decode-bench.sh

# fuzz: a campaign over every fuzz target, FUZZTIME each (go test runs the
# committed seed corpora on every `make test`).
FUZZTIME ?= 1m
fuzz:
	@grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u | while read -r pkg; do \
		for f in $$(grep -h '^func Fuzz' $$pkg/*_test.go | sed 's/func \(Fuzz[A-Za-z0-9_]*\).*/\1/'); do \
			echo "== $$pkg $$f ($(FUZZTIME))"; \
			$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s -parallel 1 $$pkg || exit 1; \
		done; \
	done

demo:
	$(GO) run ./cmd/xdna-worker demo

# images: local FROM scratch images of NATS, MinIO and the worker, and the
# worker with ffmpeg (xdna/xdna-worker:local-ffmpeg) when this machine has
# ffmpeg installed (its files are copied from the Debian packages).
images: tools build
	@mkdir -p $(BIN)/.tmpdir
	@test -s $(CA_BUNDLE) || { echo "no CA bundle at $(CA_BUNDLE): apt-get install ca-certificates (or set CA_BUNDLE)"; exit 1; }
	cp $(CA_BUNDLE) $(BIN)/ca-certificates.crt
	docker build -q -t xdna/nats-server:local -f deploy/images/nats.Dockerfile $(BIN)
	docker build -q -t xdna/minio:local -f deploy/images/minio.Dockerfile $(BIN)
	docker build -q -t xdna/xdna-worker:local -f deploy/Dockerfile $(BIN)
	@if command -v ffmpeg >/dev/null 2>&1; then \
		scripts/ffmpeg-rootfs.sh $(BIN)/ffmpeg-rootfs && \
		docker build -q -t xdna/xdna-worker:local-ffmpeg -f deploy/ffmpeg.Dockerfile $(BIN); \
	else echo "no ffmpeg on this machine: xdna/xdna-worker:local-ffmpeg not built (apt-get install ffmpeg)"; fi

clean:
	rm -rf $(BIN)
