// Package integration runs the worker fleet as containers — the NATS server,
// MinIO and several xdna-worker containers on a private Docker network — and
// checks it under faults: a worker killed while it holds jobs, a NATS restart
// and a MinIO outage in the middle of the load, a worker partitioned from the
// network for longer than ACK_WAIT, load levels against the sim device's ideal
// throughput, and a 10,000-job backlog against the workers' memory bound.
//
// The tests are ordinary Go tests (no build tag), run by `go test ./...`.
// They use the local FROM-scratch images of `make images`
// (xdna/nats-server:local, xdna/minio:local, xdna/xdna-worker:local) and never
// pull: with no Docker engine, or without those images, they skip — unless
// the CI environment variable is set, in which case they fail. They are
// skipped under -short. Testcontainers' reaper is not used
// (TESTCONTAINERS_RYUK_DISABLED=true): every container, network and volume is
// removed by the test that created it.
//
// The harness is in cluster_test.go; the tests are in the other _test files.
// TestLoadLevels writes its table, as Markdown, to the file named by
// XDNA_LOADTEST_REPORT when that is set.
package integration
