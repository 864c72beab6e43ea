package integration

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	dnetwork "github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
	"github.com/testcontainers/testcontainers-go/network"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/xdna-worker/xdna-worker/audio/wav"
	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/pipeline"
	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/storage"
	"github.com/xdna-worker/xdna-worker/worker"
)

// The local images `make images` builds. They are never pulled.
const (
	natsImage   = "xdna/nats-server:local"
	minioImage  = "xdna/minio:local"
	workerImage = "xdna/xdna-worker:local"
	// ffmpegImage is the worker with ffmpeg (deploy/ffmpeg.Dockerfile),
	// built by `make images` when the machine has ffmpeg.
	ffmpegImage = "xdna/xdna-worker:local-ffmpeg"
)

// Names on the cluster's private network, and MinIO's credentials.
const (
	natsAlias   = "nats"
	minioAlias  = "minio"
	s3AccessKey = "xdna-it"
	s3SecretKey = "xdna-it-secret-key"
	audioBucket = "audio"
)

// NATS runs the shipped users and permissions (deploy/nats/nats-server.conf):
// the workers connect as its least-privileged `worker` user with
// PROVISION=false, the host side as `admin` (it provisions the streams).
const (
	natsConfFile   = "../deploy/nats/nats-server.conf"
	natsConfInCtr  = "/etc/nats/xdna.conf"
	natsWorkerUser = "worker"
	natsAdminUser  = "admin"
)

// natsPasswords are the passwords of natsConfFile's users, passed to the
// NATS container in the environment variables the file reads.
var natsPasswords = map[string]string{
	"XDNA_NATS_PUBLISHER_PASSWORD": "it-publisher-secret",
	"XDNA_NATS_READER_PASSWORD":    "it-reader-secret",
	"XDNA_NATS_WORKER_PASSWORD":    "it-worker-secret",
	"XDNA_NATS_MINIO_PASSWORD":     "it-minio-secret",
	"XDNA_NATS_ADMIN_PASSWORD":     "it-admin-secret",
}

// Container ports.
const (
	natsClientPort  = "4222/tcp"
	natsMonitorPort = "8222/tcp"
	minioPort       = "9000/tcp"
	workerHTTPPort  = "8080/tcp"
)

// loopback is where every published port is bound: the tests talk to the
// containers only through 127.0.0.1.
var loopback = netip.MustParseAddr("127.0.0.1")

func TestMain(m *testing.M) {
	// The reaper image cannot be pulled here; the tests clean up after
	// themselves instead.
	if os.Getenv("TESTCONTAINERS_RYUK_DISABLED") == "" {
		os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	}
	// Published ports are bound to 127.0.0.1 only; make testcontainers'
	// wait strategies dial exactly that rather than "localhost".
	if os.Getenv("TESTCONTAINERS_HOST_OVERRIDE") == "" {
		os.Setenv("TESTCONTAINERS_HOST_OVERRIDE", "127.0.0.1")
	}
	os.Exit(m.Run())
}

// prereq is the one-time check that a Docker engine answers and the local
// images exist.
var prereq struct {
	once sync.Once
	err  error
}

// requireDocker skips the test (fails it under CI) when there is no Docker
// engine or the :local images are missing.
func requireDocker(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration: container tests are skipped in -short mode")
	}
	prereq.once.Do(func() { prereq.err = checkDocker() })
	if prereq.err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("integration: %v (CI is set: the integration tests must run there)", prereq.err)
		}
		t.Skipf("integration: %v — skipping the container tests", prereq.err)
	}
}

func checkDocker() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dc, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return fmt.Errorf("no Docker engine (docker info failed: %v)", err)
	}
	defer dc.Close()
	if _, err := dc.Info(ctx, client.InfoOptions{}); err != nil {
		return fmt.Errorf("no Docker engine (docker info failed: %v)", err)
	}
	var missing []string
	for _, img := range []string{natsImage, minioImage, workerImage} {
		if _, err := dc.ImageInspect(ctx, img); err != nil {
			missing = append(missing, img)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("local images %s missing: build them with `make images` (nothing is pulled)", strings.Join(missing, ", "))
	}
	return nil
}

// Options shape a Cluster.
type Options struct {
	// Workers is the number of worker containers (default 3).
	Workers int
	// Env overrides the workers' environment (see workerEnv for the
	// defaults); WorkerEnv, if set, overrides it further per worker. The
	// queue settings (ACK_WAIT, MAX_DELIVER, stream names) must be the same
	// for every worker: each provisions the shared consumer, and the host
	// side uses worker 0's.
	Env       map[string]string
	WorkerEnv func(i int) map[string]string
	// AudioSeconds is the length of the test tone every job transcribes
	// (default 2 s).
	AudioSeconds float64
	// WorkerImage is the workers' image (default xdna/xdna-worker:local).
	WorkerImage string
}

// Cluster is one test's fleet: a private Docker network with a NATS server
// (JetStream on a named volume), MinIO and N workers, plus host-side clients
// that reach them through ports published on 127.0.0.1.
type Cluster struct {
	t      *testing.T
	run    string // random id in container, network and volume names
	docker *testcontainers.DockerClient
	net    *testcontainers.DockerNetwork
	volume string
	tclog  tclog.Logger
	logw   *testWriter

	NATS    *testcontainers.DockerContainer
	MinIO   *testcontainers.DockerContainer
	Workers []*Worker

	natsAddr atomic.Pointer[string] // host:port of NATS on 127.0.0.1, re-resolved after a restart
	nc       *nats.Conn
	// JS is the host-side JetStream handle. Its connection follows NATS
	// across restarts (it always dials the currently published port).
	JS jetstream.JetStream
	// QC is the queue configuration the workers use (same streams, consumer,
	// AckWait and MaxDeliver); its URL is the host-side one.
	QC  queue.Config
	Pub *queue.Publisher

	storeMu sync.Mutex
	store   *storage.Client
	// Audio is the uploaded test tone every job refers to.
	Audio        job.ObjectRef
	AudioSeconds float64
}

// Worker is one worker container.
type Worker struct {
	ID    string // WORKER_ID, also its network alias
	C     *testcontainers.DockerContainer
	Env   map[string]string
	http  string // 127.0.0.1:port of its HTTP server
	ip    string // its address on the cluster network
	mu    sync.Mutex
	alive bool
}

// workerEnv is every worker's base environment.
func workerEnv() map[string]string {
	return map[string]string{
		"NATS_URL":                 "nats://" + natsAlias + ":4222",
		"NATS_USER":                natsWorkerUser,
		"NATS_PASSWORD":            natsPasswords["XDNA_NATS_WORKER_PASSWORD"],
		"NATS_INBOX_PREFIX":        "_INBOX_worker",
		"PROVISION":                "false",
		"S3_ENDPOINT":              minioAlias + ":9000",
		"S3_ACCESS_KEY":            s3AccessKey,
		"S3_SECRET_KEY":            s3SecretKey,
		"XDNA_DEVICE":              "sim",
		"XDNA_SIM_WINDOW_MS":       "50",
		"XDNA_SIM_CONTEXTS":        "4",
		"AUDIO_BUFFER_POOL_SIZE":   "4",
		"MEL_BUFFER_POOL_SIZE":     "4",
		"ENCODER_BUFFER_POOL_SIZE": "4",
		"ACK_WAIT":                 "5s",
		"MAX_DELIVER":              "5",
		"RETRY_BACKOFF":            "500ms",
		"SHUTDOWN_TIMEOUT":         "5s",
		"LOG_FORMAT":               "json",
		"LOG_LEVEL":                "info",
	}
}

// NewCluster starts a cluster and registers its teardown with t.Cleanup.
func NewCluster(t *testing.T, o Options) *Cluster {
	t.Helper()
	requireDocker(t)
	if o.Workers <= 0 {
		o.Workers = 3
	}
	if o.AudioSeconds <= 0 {
		o.AudioSeconds = 2
	}
	if o.WorkerImage == "" {
		o.WorkerImage = workerImage
	}
	var rb [4]byte
	rand.Read(rb[:])
	c := &Cluster{t: t, run: hex.EncodeToString(rb[:]), AudioSeconds: o.AudioSeconds, logw: &testWriter{t: t}}
	t.Cleanup(c.logw.close) // registered first: runs last
	c.tclog = tclog.TestLogger(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	started := time.Now()

	var err error
	if c.docker, err = testcontainers.NewDockerClientWithOpts(ctx); err != nil {
		t.Fatalf("docker client: %v", err)
	}
	t.Cleanup(func() { c.docker.Close() })

	if c.net, err = network.New(ctx); err != nil {
		t.Fatalf("network: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := c.net.Remove(ctx); err != nil {
			t.Errorf("remove network %s: %v", c.net.Name, err)
		}
	})

	c.volume = "xdna-it-" + c.run + "-nats"
	if _, err := c.docker.VolumeCreate(ctx, client.VolumeCreateOptions{Name: c.volume, Labels: testcontainers.GenericLabels()}); err != nil {
		t.Fatalf("volume: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := c.docker.VolumeRemove(ctx, c.volume, client.VolumeRemoveOptions{Force: true}); err != nil {
			t.Errorf("remove volume %s: %v", c.volume, err)
		}
	})

	// NATS and MinIO start side by side; the workers need both.
	var wg sync.WaitGroup
	var natsErr, minioErr error
	wg.Go(func() {
		c.NATS, natsErr = c.runContainer(ctx, "nats", natsImage, []string{natsAlias}, natsPasswords,
			[]string{natsClientPort, natsMonitorPort},
			[]mount.Mount{{Type: mount.TypeVolume, Source: c.volume, Target: "/data"}},
			wait.ForHTTP("/healthz").WithPort(natsMonitorPort).WithStartupTimeout(time.Minute).WithPollInterval(100*time.Millisecond),
			testcontainers.WithFiles(testcontainers.ContainerFile{HostFilePath: natsConfFile, ContainerFilePath: natsConfInCtr, FileMode: 0o444}),
			testcontainers.WithCmd("--jetstream", "--store_dir", "/data", "--http_port", "8222", "--config", natsConfInCtr))
	})
	wg.Go(func() {
		c.MinIO, minioErr = c.runContainer(ctx, "minio", minioImage, []string{minioAlias},
			map[string]string{"MINIO_ROOT_USER": s3AccessKey, "MINIO_ROOT_PASSWORD": s3SecretKey},
			[]string{minioPort}, nil,
			wait.ForHTTP("/minio/health/live").WithPort(minioPort).WithStartupTimeout(time.Minute).WithPollInterval(100*time.Millisecond))
	})
	wg.Wait()
	if err := errors.Join(natsErr, minioErr); err != nil {
		t.Fatal(err)
	}

	// The queue configuration is the workers' own, read from the same
	// environment, so that the host provisions exactly what they do.
	env0 := c.envFor(o, 0)
	wc, err := worker.LoadConfig(env0)
	if err != nil {
		t.Fatalf("worker config: %v", err)
	}
	c.QC = wc.Queue()
	c.QC.Name = "integration-test"
	// The host is the operator: admin provisions what the workers may not.
	c.QC.User, c.QC.Password, c.QC.InboxPrefix = natsAdminUser, natsPasswords["XDNA_NATS_ADMIN_PASSWORD"], ""
	if err := c.resolveNATS(ctx); err != nil {
		t.Fatal(err)
	}
	c.QC.URL = "nats://" + *c.natsAddr.Load()
	c.connectNATS(ctx)
	if wc.Uploads.Enabled {
		if err := queue.ProvisionUploads(ctx, c.JS, wc.Uploads, c.QC); err != nil {
			t.Fatalf("provision uploads: %v", err)
		}
	}
	if err := queue.Provision(ctx, c.JS, c.QC); err != nil {
		t.Fatalf("provision: %v", err)
	}
	c.Pub = queue.NewPublisher(c.JS, c.QC)

	if err := c.resolveMinIO(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Store().Close() })
	var tone bytes.Buffer
	if err := wav.Write(&tone, pipeline.Tone(o.AudioSeconds, 440), pipeline.SampleRate); err != nil {
		t.Fatal(err)
	}
	if err := c.Store().EnsureBucket(ctx, audioBucket); err != nil {
		t.Fatalf("bucket: %v", err)
	}
	c.Audio = job.ObjectRef{Bucket: audioBucket, Key: fmt.Sprintf("it/tone-%gs.wav", o.AudioSeconds)}
	if err := c.Store().Put(ctx, c.Audio.Bucket, c.Audio.Key, bytes.NewReader(tone.Bytes()), int64(tone.Len()), "audio/wav"); err != nil {
		t.Fatalf("upload audio: %v", err)
	}

	// Workers start side by side too.
	c.Workers = make([]*Worker, o.Workers)
	errs := make([]error, o.Workers)
	for i := range o.Workers {
		wg.Go(func() {
			env := c.envFor(o, i)
			w := &Worker{ID: env["WORKER_ID"], Env: env}
			w.C, errs[i] = c.runContainer(ctx, w.ID, o.WorkerImage, []string{w.ID}, env, []string{workerHTTPPort}, workerMounts,
				wait.ForHTTP("/readyz").WithPort(workerHTTPPort).WithStartupTimeout(time.Minute).WithPollInterval(100*time.Millisecond))
			if errs[i] != nil {
				return
			}
			p, err := w.C.MappedPort(ctx, workerHTTPPort)
			if err != nil {
				errs[i] = fmt.Errorf("worker %s: %w", w.ID, err)
				return
			}
			w.http = net.JoinHostPort(loopback.String(), p.Port())
			w.ip, _ = c.ipOn(ctx, w.C)
			w.alive = true
			c.Workers[i] = w
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	t.Logf("cluster %s up in %v: nats %s, minio %s, %d workers", c.run, time.Since(started).Round(time.Millisecond),
		*c.natsAddr.Load(), c.Store().Endpoint(), len(c.Workers))
	return c
}

// workerMounts gives each worker an anonymous volume for its spool
// (XDNA_TEMP_DIR=/tmp; Docker copies the image's /tmp, owned by the
// worker's user, into it), as the Kubernetes manifests give it an emptyDir.
// Without it every fetched object is written through the container's root
// filesystem, which on a Docker engine with the fuse-overlayfs storage
// driver (as on CI) costs more CPU than the job's own stages, and a load
// test measures the storage driver. (A tmpfs would do, but this engine
// mounts it root-only whatever its mode.)
var workerMounts = []mount.Mount{{Type: mount.TypeVolume, Target: "/tmp"}}

// envFor is worker i's environment.
func (c *Cluster) envFor(o Options, i int) map[string]string {
	env := workerEnv()
	env["WORKER_ID"] = fmt.Sprintf("w%d", i)
	maps.Copy(env, o.Env)
	if o.WorkerEnv != nil {
		maps.Copy(env, o.WorkerEnv(i))
	}
	return env
}

// runContainer starts one container on the cluster network with the given
// aliases, its ports published on 127.0.0.1 only, and registers its
// termination (after dumping its log tail if the test failed).
func (c *Cluster) runContainer(ctx context.Context, role, image string, aliases []string, env map[string]string,
	ports []string, mounts []mount.Mount, waitFor wait.Strategy, extra ...testcontainers.ContainerCustomizer) (*testcontainers.DockerContainer, error) {
	name := fmt.Sprintf("xdna-it-%s-%s", c.run, role)
	opts := append([]testcontainers.ContainerCustomizer{
		testcontainers.WithLogger(c.tclog),
		testcontainers.WithName(name),
		testcontainers.WithEnv(env),
		testcontainers.WithExposedPorts(ports...),
		network.WithNetwork(aliases, c.net),
		testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
			if hc.PortBindings == nil {
				hc.PortBindings = dnetwork.PortMap{}
			}
			for _, p := range ports {
				hc.PortBindings[dnetwork.MustParsePort(p)] = []dnetwork.PortBinding{{HostIP: loopback}}
			}
			hc.Mounts = append(hc.Mounts, mounts...)
		}),
		testcontainers.WithWaitStrategy(waitFor),
	}, extra...)
	ctr, err := testcontainers.Run(ctx, image, opts...)
	if ctr != nil {
		c.t.Cleanup(func() {
			if c.t.Failed() {
				c.t.Logf("---- %s log (last 40 lines) ----\n%s", role, lastLines(c.Logs(ctr), 40))
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			// Unpause first: a paused container cannot be stopped.
			if st, err := ctr.State(ctx); err == nil && st.Paused {
				c.docker.ContainerUnpause(ctx, ctr.GetContainerID(), client.ContainerUnpauseOptions{})
			}
			if err := ctr.Terminate(ctx, testcontainers.StopTimeout(0)); err != nil {
				c.t.Errorf("terminate %s: %v", role, err)
			}
		})
	}
	if err != nil {
		return nil, fmt.Errorf("start %s (%s): %w", role, image, err)
	}
	return ctr, nil
}

// ipOn returns the container's address on the cluster network.
func (c *Cluster) ipOn(ctx context.Context, ctr *testcontainers.DockerContainer) (string, error) {
	info, err := ctr.Inspect(ctx)
	if err != nil {
		return "", err
	}
	if ep, ok := info.NetworkSettings.Networks[c.net.Name]; ok && ep != nil && ep.IPAddress.IsValid() {
		return ep.IPAddress.String(), nil
	}
	return "", nil
}

// --- NATS -------------------------------------------------------------

// resolveNATS looks up the host port NATS is published on now.
func (c *Cluster) resolveNATS(ctx context.Context) error {
	p, err := c.NATS.MappedPort(ctx, natsClientPort)
	if err != nil {
		return fmt.Errorf("nats port: %w", err)
	}
	addr := net.JoinHostPort(loopback.String(), p.Port())
	c.natsAddr.Store(&addr)
	return nil
}

// natsDialer dials wherever NATS is published right now, whatever address
// the client asks for: the host-side connection then follows the container
// across restarts, which may change the published port.
type natsDialer struct{ c *Cluster }

func (d natsDialer) Dial(_, _ string) (net.Conn, error) {
	return (&net.Dialer{Timeout: 2 * time.Second}).Dial("tcp", *d.c.natsAddr.Load())
}

func (c *Cluster) connectNATS(ctx context.Context) {
	t := c.t
	log := slog.New(slog.NewTextHandler(c.logw, &slog.HandlerOptions{Level: slog.LevelWarn})).With("side", "host")
	nc, err := queue.Connect(ctx, c.QC, queue.ConnectLogger(log), queue.ConnectNATSOptions(
		nats.SetCustomDialer(natsDialer{c}),
		nats.ReconnectWait(250*time.Millisecond),
		nats.ReconnectJitter(0, 0),
	))
	if err != nil {
		t.Fatalf("host nats connection: %v", err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	c.nc, c.JS = nc, js
}

// StopNATS stops the NATS container (SIGTERM, up to 10 s, then SIGKILL).
// Its JetStream store stays on the named volume.
func (c *Cluster) StopNATS() {
	c.t.Helper()
	c.stop(c.NATS, "nats", 10*time.Second)
}

// KillNATS kills the NATS server with SIGKILL (docker kill): no clean
// shutdown of the store.
func (c *Cluster) KillNATS() {
	c.t.Helper()
	c.kill(c.NATS, "nats")
}

// StartNATS starts the stopped NATS container again — same volume, same
// network alias — waits until it is healthy and re-resolves its published
// port; the host-side connection then reconnects by itself. It returns
// when the host side is connected again.
func (c *Cluster) StartNATS() {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := c.NATS.Start(ctx); err != nil {
		c.t.Fatalf("start nats: %v", err)
	}
	if err := c.resolveNATS(ctx); err != nil {
		c.t.Fatal(err)
	}
	c.nc.ForceReconnect() // do not wait out the current back-off
	for !c.nc.IsConnected() {
		if ctx.Err() != nil {
			c.t.Fatalf("host connection did not come back after the NATS restart: %v", c.nc.LastError())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// RestartNATS stops NATS, keeps it down for down, and starts it again.
func (c *Cluster) RestartNATS(down time.Duration) {
	c.t.Helper()
	c.StopNATS()
	time.Sleep(down)
	c.StartNATS()
}

// --- MinIO ------------------------------------------------------------

func (c *Cluster) resolveMinIO(ctx context.Context) error {
	p, err := c.MinIO.MappedPort(ctx, minioPort)
	if err != nil {
		return fmt.Errorf("minio port: %w", err)
	}
	sc, err := storage.New(storage.Config{Endpoint: net.JoinHostPort(loopback.String(), p.Port()),
		AccessKey: s3AccessKey, SecretKey: s3SecretKey, Region: "us-east-1"})
	if err != nil {
		return err
	}
	c.storeMu.Lock()
	old := c.store
	c.store = sc
	c.storeMu.Unlock()
	if old != nil {
		old.Close()
	}
	return nil
}

// Store is the host-side storage client (re-created after a MinIO restart).
func (c *Cluster) Store() *storage.Client {
	c.storeMu.Lock()
	defer c.storeMu.Unlock()
	return c.store
}

// StopMinIO stops the MinIO container; its data stays in its volume.
func (c *Cluster) StopMinIO() {
	c.t.Helper()
	c.stop(c.MinIO, "minio", 10*time.Second)
}

// StartMinIO starts MinIO again and waits until it is live.
func (c *Cluster) StartMinIO() {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := c.MinIO.Start(ctx); err != nil {
		c.t.Fatalf("start minio: %v", err)
	}
	if err := c.resolveMinIO(ctx); err != nil {
		c.t.Fatal(err)
	}
}

func (c *Cluster) stop(ctr *testcontainers.DockerContainer, role string, timeout time.Duration) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout+time.Minute)
	defer cancel()
	if err := ctr.Stop(ctx, &timeout); err != nil {
		c.t.Fatalf("stop %s: %v", role, err)
	}
}

// --- faults on workers and containers ------------------------------------

// KillWorker kills worker i with SIGKILL (docker kill): no drain, no
// goodbye; whatever it held is left to AckWait.
func (c *Cluster) KillWorker(i int) {
	c.t.Helper()
	w := c.Workers[i]
	c.kill(w.C, w.ID)
	w.mu.Lock()
	w.alive = false
	w.mu.Unlock()
}

// kill sends SIGKILL to a container and waits until it has stopped.
func (c *Cluster) kill(ctr *testcontainers.DockerContainer, role string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := c.docker.ContainerKill(ctx, ctr.GetContainerID(), client.ContainerKillOptions{Signal: "KILL"}); err != nil {
		c.t.Fatalf("kill %s: %v", role, err)
	}
	for {
		st, err := ctr.State(ctx)
		if err != nil {
			c.t.Fatalf("kill %s: %v", role, err)
		}
		if !st.Running {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Pause freezes a container's processes (docker pause); Unpause thaws them.
func (c *Cluster) Pause(ctr *testcontainers.DockerContainer) {
	c.t.Helper()
	if _, err := c.docker.ContainerPause(context.Background(), ctr.GetContainerID(), client.ContainerPauseOptions{}); err != nil {
		c.t.Fatalf("pause: %v", err)
	}
}

func (c *Cluster) Unpause(ctr *testcontainers.DockerContainer) {
	c.t.Helper()
	if _, err := c.docker.ContainerUnpause(context.Background(), ctr.GetContainerID(), client.ContainerUnpauseOptions{}); err != nil {
		c.t.Fatalf("unpause: %v", err)
	}
}

// Disconnect takes a container off the cluster network (docker network
// disconnect): its connections stall, nothing is closed.
func (c *Cluster) Disconnect(ctr *testcontainers.DockerContainer) {
	c.t.Helper()
	if _, err := c.docker.NetworkDisconnect(context.Background(), c.net.ID, client.NetworkDisconnectOptions{Container: ctr.GetContainerID()}); err != nil {
		c.t.Fatalf("network disconnect: %v", err)
	}
}

// Connect puts a container back on the cluster network with the given
// aliases and returns its address there. Docker hands out the lowest free
// address, so a container reconnected before anything else joins gets its
// old address back and its stalled TCP connections resume.
func (c *Cluster) Connect(ctr *testcontainers.DockerContainer, aliases ...string) string {
	c.t.Helper()
	ctx := context.Background()
	if _, err := c.docker.NetworkConnect(ctx, c.net.ID, client.NetworkConnectOptions{
		Container: ctr.GetContainerID(), EndpointConfig: &dnetwork.EndpointSettings{Aliases: aliases},
	}); err != nil {
		c.t.Fatalf("network connect: %v", err)
	}
	ip, err := c.ipOn(ctx, ctr)
	if err != nil {
		c.t.Fatalf("inspect: %v", err)
	}
	return ip
}

// DisconnectWorker and ConnectWorker partition worker i from (and rejoin it
// to) the cluster network. ConnectWorker reports whether it got its old
// address back.
func (c *Cluster) DisconnectWorker(i int) { c.t.Helper(); c.Disconnect(c.Workers[i].C) }

func (c *Cluster) ConnectWorker(i int) (ip string, sameIP bool) {
	c.t.Helper()
	w := c.Workers[i]
	ip = c.Connect(w.C, w.ID)
	// Docker drops a container's published ports when it leaves its
	// network and publishes them again, on new host ports, when it
	// rejoins.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := w.C.MappedPort(ctx, workerHTTPPort)
	for err != nil && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
		p, err = w.C.MappedPort(ctx, workerHTTPPort)
	}
	if err != nil {
		c.t.Fatalf("worker %s: HTTP port after reconnecting: %v", w.ID, err)
	}
	w.mu.Lock()
	w.http = net.JoinHostPort(loopback.String(), p.Port())
	w.mu.Unlock()
	return ip, ip == w.ip
}

// --- observing workers ----------------------------------------------------

var httpClient = &http.Client{Timeout: 5 * time.Second}

// WorkerStats returns worker i's /health document.
func (c *Cluster) WorkerStats(i int) (worker.Health, error) {
	var h worker.Health
	resp, err := httpClient.Get("http://" + c.Workers[i].addr() + "/health")
	if err != nil {
		return h, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return h, fmt.Errorf("/health: %s", resp.Status)
	}
	return h, json.NewDecoder(resp.Body).Decode(&h)
}

// WorkerMetric scrapes worker i's /metrics and returns the sum of the
// samples of the named metric (all label sets).
func (c *Cluster) WorkerMetric(i int, name string) (float64, error) {
	resp, err := httpClient.Get("http://" + c.Workers[i].addr() + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("/metrics: %s", resp.Status)
	}
	var sum float64
	found := false
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		metric, rest, _ := strings.Cut(line, " ")
		if base, _, _ := strings.Cut(metric, "{"); base != name {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return 0, fmt.Errorf("/metrics: %q: %w", line, err)
		}
		sum += v
		found = true
	}
	if !found {
		return 0, fmt.Errorf("/metrics: no %s", name)
	}
	return sum, sc.Err()
}

// JobsInFlight is the number of jobs worker i holds (xdna_jobs_in_flight:
// admitted, not yet settled). /health's in_flight counts admission slots,
// which include the one reserved for the next pull.
func (c *Cluster) JobsInFlight(i int) (int, error) {
	v, err := c.WorkerMetric(i, "xdna_jobs_in_flight")
	return int(v), err
}

// WorkerReady reports whether worker i's /readyz answers 200.
func (c *Cluster) WorkerReady(i int) error {
	resp, err := httpClient.Get("http://" + c.Workers[i].addr() + "/readyz")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("/readyz %s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}

// WaitWorkersReady waits until every live worker's /readyz answers 200.
func (c *Cluster) WaitWorkersReady(timeout time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for i, w := range c.Workers {
		if !w.isAlive() {
			continue
		}
		for {
			err := c.WorkerReady(i)
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				c.t.Fatalf("worker %s not ready after %v: %v", w.ID, timeout, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// addr is the worker's HTTP address on 127.0.0.1.
func (w *Worker) addr() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.http
}

func (w *Worker) isAlive() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.alive
}

// MemStats is a container's memory use as the cgroup reports it.
type MemStats struct {
	Usage    uint64 // current usage, page cache included
	MaxUsage uint64 // high-water mark of Usage (cgroup v1 only; 0 on v2)
	// WorkingSet is Usage minus inactive file cache — what `docker stats`
	// shows, and what the memory bound is about.
	WorkingSet uint64
	RSS        uint64 // anonymous memory (rss on v1, anon on v2)
}

// MemoryUsage samples worker i's container memory (docker stats, one shot).
func (c *Cluster) MemoryUsage(i int) (MemStats, error) {
	return c.memoryUsage(c.Workers[i].C)
}

func (c *Cluster) memoryUsage(ctr *testcontainers.DockerContainer) (MemStats, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := c.docker.ContainerStats(ctx, ctr.GetContainerID(), client.ContainerStatsOptions{})
	if err != nil {
		return MemStats{}, err
	}
	defer res.Body.Close()
	var s container.StatsResponse
	if err := json.NewDecoder(res.Body).Decode(&s); err != nil {
		return MemStats{}, err
	}
	m := s.MemoryStats
	ms := MemStats{Usage: m.Usage, MaxUsage: m.MaxUsage}
	inactive := m.Stats["total_inactive_file"] // cgroup v1
	if v, ok := m.Stats["inactive_file"]; ok && inactive == 0 {
		inactive = v // cgroup v2
	}
	ms.WorkingSet = m.Usage
	if inactive < m.Usage {
		ms.WorkingSet = m.Usage - inactive
	}
	ms.RSS = m.Stats["total_rss"]
	if ms.RSS == 0 {
		ms.RSS = m.Stats["anon"]
	}
	if ms.Usage == 0 {
		return ms, errors.New("docker stats reported no memory usage (container not running?)")
	}
	return ms, nil
}

// Logs returns a container's whole log (stdout and stderr).
func (c *Cluster) Logs(ctr *testcontainers.DockerContainer) string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rc, err := ctr.Logs(ctx)
	if err != nil {
		return fmt.Sprintf("(logs: %v)", err)
	}
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	return string(b)
}

// WorkerLog returns worker i's log lines (JSON) as maps.
func (c *Cluster) WorkerLog(i int) []map[string]any {
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(c.Logs(c.Workers[i].C)))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if i := bytes.IndexByte(line, '{'); i > 0 {
			line = line[i:]
		}
		var m map[string]any
		if json.Unmarshal(line, &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// LogMessages returns, from worker i's log, the lines whose msg contains
// substr.
func (c *Cluster) LogMessages(i int, substr string) []map[string]any {
	var out []map[string]any
	for _, m := range c.WorkerLog(i) {
		if msg, _ := m["msg"].(string); strings.Contains(msg, substr) {
			out = append(out, m)
		}
	}
	return out
}

// --- jobs and results -----------------------------------------------------

// JobIDs returns n job ids "<prefix>.000000"…, which WatchJobPrefix(prefix)
// follows.
func JobIDs(prefix string, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%s.%06d", prefix, i)
	}
	return ids
}

// Submit publishes one job per id (all for the cluster's audio), async in
// batches, and waits until JOBS has stored every one.
func (c *Cluster) Submit(ids []string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	const batch = 500
	for start := 0; start < len(ids); start += batch {
		var futures []jetstream.PubAckFuture
		for _, id := range ids[start:min(start+batch, len(ids))] {
			data, err := json.Marshal(&job.Job{ID: id, Audio: c.Audio})
			if err != nil {
				c.t.Fatal(err)
			}
			f, err := c.JS.PublishMsgAsync(&nats.Msg{Subject: c.QC.JobsSubject, Data: data, Header: nats.Header{}},
				jetstream.WithMsgID(id), jetstream.WithExpectStream(c.QC.JobsStream))
			if err != nil {
				c.t.Fatalf("submit %s: %v", id, err)
			}
			futures = append(futures, f)
		}
		select {
		case <-c.JS.PublishAsyncComplete():
		case <-ctx.Done():
			c.t.Fatalf("submit: %v", ctx.Err())
		}
		for _, f := range futures {
			select {
			case <-f.Ok():
			case err := <-f.Err():
				c.t.Fatalf("submit %s: %v", f.Msg().Header.Get(jetstream.MsgIDHeader), err)
			}
		}
	}
}

// Results is every result message seen per job id, duplicates included.
type Results map[string][]*job.Result

// AwaitResults follows RESULTS from the start for the jobs "<prefix>.*" until
// n distinct jobs have a result, and returns what it saw. It fails the test
// after timeout. A watch broken by a broker restart is started again.
func (c *Cluster) AwaitResults(prefix string, n int, timeout time.Duration) Results {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	errDone := errors.New("done")
	for {
		got := Results{}
		err := queue.Watch(ctx, c.JS, c.QC, func(r *job.Result, _ jetstream.Msg) error {
			got[r.JobID] = append(got[r.JobID], r)
			if len(got) >= n {
				return errDone
			}
			return nil
		}, queue.WatchFromStart(), queue.WatchJobPrefix(prefix))
		if errors.Is(err, errDone) {
			return got
		}
		if ctx.Err() != nil {
			c.t.Fatalf("results: %d of %d jobs have one after %v (RESULTS holds %d): %v", len(got), n, timeout, c.resultsStored(), err)
		}
		c.t.Logf("results watch ended (%v); watching again", err)
		time.Sleep(250 * time.Millisecond)
	}
}

// resultsStored is the number of messages in RESULTS (0 on error).
func (c *Cluster) resultsStored() uint64 {
	info, err := c.streamInfo(c.QC.ResultsStream)
	if err != nil {
		return 0
	}
	return info.State.Msgs
}

// WaitResultsStored waits until RESULTS holds at least n messages.
func (c *Cluster) WaitResultsStored(n uint64, timeout time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for c.resultsStored() < n {
		if time.Now().After(deadline) {
			c.t.Fatalf("RESULTS holds %d messages after %v, want %d", c.resultsStored(), timeout, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (c *Cluster) streamInfo(name string, opts ...jetstream.StreamInfoOpt) (*jetstream.StreamInfo, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := c.JS.Stream(ctx, name)
	if err != nil {
		return nil, err
	}
	return s.Info(ctx, opts...)
}

// ResultCounts returns the number of messages RESULTS holds per subject.
func (c *Cluster) ResultCounts() map[string]uint64 {
	c.t.Helper()
	info, err := c.streamInfo(c.QC.ResultsStream, jetstream.WithSubjectFilter(c.QC.ResultsSubjectPrefix+".>"))
	if err != nil {
		c.t.Fatalf("RESULTS info: %v", err)
	}
	return info.State.Subjects
}

// CheckExactlyOnce asserts that RESULTS holds exactly one message for each
// id and nothing else, and that the watch saw exactly one per id.
func (c *Cluster) CheckExactlyOnce(ids []string, seen Results) {
	c.t.Helper()
	counts := c.ResultCounts()
	var missing, dup []string
	for _, id := range ids {
		switch n := counts[c.QC.ResultSubject(id)]; {
		case n == 0:
			missing = append(missing, id)
		case n > 1:
			dup = append(dup, fmt.Sprintf("%s×%d", id, n))
		}
		if len(seen[id]) > 1 {
			dup = append(dup, fmt.Sprintf("%s×%d (watched)", id, len(seen[id])))
		}
	}
	if len(missing) > 0 || len(dup) > 0 || len(counts) != len(ids) {
		c.t.Errorf("RESULTS: %d subjects for %d jobs; %d missing %v; duplicates %v",
			len(counts), len(ids), len(missing), head(missing, 10), head(dup, 10))
	}
}

// ConsumerInfo returns the state of the normal lane's consumer, where jobs
// without a priority wait once routed.
func (c *Cluster) ConsumerInfo() *jetstream.ConsumerInfo {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cons, err := c.JS.Consumer(ctx, c.QC.JobsStream, c.QC.LaneConsumer(job.PriorityNormal))
	if err != nil {
		c.t.Fatalf("consumer: %v", err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		c.t.Fatalf("consumer info: %v", err)
	}
	return info
}

// WaitJobsEmpty waits until JOBS holds no message and the consumer has
// nothing pending or unacknowledged: every job was settled.
func (c *Cluster) WaitJobsEmpty(timeout time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		info, err := c.streamInfo(c.QC.JobsStream)
		if err != nil {
			c.t.Fatalf("JOBS info: %v", err)
		}
		ci := c.ConsumerInfo()
		if info.State.Msgs == 0 && ci.NumAckPending == 0 && ci.NumPending == 0 {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("JOBS not empty after %v: %d messages, consumer pending %d, ack pending %d, redelivered %d",
				timeout, info.State.Msgs, ci.NumPending, ci.NumAckPending, ci.NumRedelivered)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// DeadLetters lists the DLQ.
func (c *Cluster) DeadLetters() []queue.DeadLetter {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dl, err := queue.DeadLetters(ctx, c.JS, c.QC)
	if err != nil {
		c.t.Fatalf("DLQ: %v", err)
	}
	return dl
}

// CheckDLQEmpty asserts that nothing was dead-lettered.
func (c *Cluster) CheckDLQEmpty() {
	c.t.Helper()
	if dl := c.DeadLetters(); len(dl) > 0 {
		var s []string
		for _, d := range head(dl, 5) {
			s = append(s, fmt.Sprintf("%s (%s, %d attempts, last error %q)", d.JobID, d.Reason, d.Attempts, d.LastError))
		}
		c.t.Errorf("DLQ holds %d messages: %s", len(dl), strings.Join(s, "; "))
	}
}

// Summary describes a set of results: statuses, attempts, workers.
type Summary struct {
	Jobs, Succeeded, Failed int
	Redelivered             int // jobs whose result came from attempt >= 2
	MaxAttempt              int
	ByWorker                map[string]int
	Failures                map[string]int
}

func Summarize(res Results) Summary {
	s := Summary{ByWorker: map[string]int{}, Failures: map[string]int{}}
	for _, rs := range res {
		r := rs[0]
		s.Jobs++
		if r.Status == job.StatusSucceeded {
			s.Succeeded++
		} else {
			s.Failed++
			code := "?"
			if r.Error != nil {
				code = string(r.Error.Code)
			}
			s.Failures[code]++
		}
		if r.Attempt > 1 {
			s.Redelivered++
		}
		s.MaxAttempt = max(s.MaxAttempt, r.Attempt)
		s.ByWorker[r.Worker]++
	}
	return s
}

func (s Summary) String() string {
	workers := slices.Sorted(maps.Keys(s.ByWorker))
	var parts []string
	for _, w := range workers {
		parts = append(parts, fmt.Sprintf("%s:%d", w, s.ByWorker[w]))
	}
	return fmt.Sprintf("%d jobs: %d succeeded, %d failed %v; %d redelivered (max attempt %d); by worker %s",
		s.Jobs, s.Succeeded, s.Failed, s.Failures, s.Redelivered, s.MaxAttempt, strings.Join(parts, " "))
}

// --- small helpers ------------------------------------------------------

// testWriter sends log output to t.Log until the test ends; later writes
// (from callbacks of connections being closed) are dropped.
type testWriter struct {
	mu     sync.Mutex
	t      *testing.T
	closed bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.closed {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func (w *testWriter) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func head[T any](s []T, n int) []T { return s[:min(n, len(s))] }

// waitFor polls cond every 50 ms until it holds or timeout passes.
func waitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}

func mb(b uint64) float64 { return float64(b) / (1 << 20) }
