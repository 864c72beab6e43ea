package worker_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/worker"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// minio-go's shared transport keeps idle keep-alive connections.
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
	)
}

// The old server managed 9–37 % success at 4–16 concurrent requests. Here
// 200 jobs arrive at once at 2 workers with 4 buffer sets each.
func TestTwoHundredJobsTwoWorkers(t *testing.T) {
	e := newEnv(t)
	w1, _ := e.startWorker(map[string]string{"WORKER_ID": "w1"})
	w2, _ := e.startWorker(map[string]string{"WORKER_ID": "w2"})
	ref := e.put("tone-3s.wav", tone(3))

	const n = 200
	start := time.Now()
	for i := range n {
		e.submit(&job.Job{ID: jobID("burst", i), Audio: ref, Metadata: json.RawMessage(fmt.Sprintf(`{"i":%d}`, i))})
	}
	got := e.results(n, 3*time.Minute)
	elapsed := time.Since(start)

	perWorker := map[string]int{}
	for i := range n {
		id := jobID("burst", i)
		rs := got[id]
		if len(rs) != 1 {
			t.Fatalf("%s: %d results", id, len(rs))
		}
		r := rs[0]
		if r.Status != job.StatusSucceeded || r.Device != "sim" || r.DurationS < 2.99 || r.DurationS > 3.01 {
			t.Fatalf("%s: %s", id, mustJSON(r))
		}
		if string(r.Metadata) != fmt.Sprintf(`{"i":%d}`, i) {
			t.Fatalf("%s: metadata %s not echoed", id, r.Metadata)
		}
		perWorker[r.Worker]++
	}
	if e.streamMsgs(e.qc.ResultsStream) != n {
		t.Fatalf("RESULTS holds %d messages, want %d", e.streamMsgs(e.qc.ResultsStream), n)
	}
	waitFor(t, 10*time.Second, func() bool { return e.streamMsgs(e.qc.JobsStream) == 0 })
	for _, w := range []*worker.Worker{w1, w2} {
		for _, p := range w.Pools().All() {
			// An idle worker holds one audio buffer: the reservation for
			// the next message it pulls (reserve-then-poll).
			reserved := 0
			if p == w.Pools().Audio {
				reserved = 1
			}
			if s := p.Stats(); s.HasLeaks || s.BuffersInUse > reserved {
				t.Fatalf("pool %s: %+v", s.Name, s)
			}
		}
	}
	if strings.Contains(strings.ToLower(e.logs.String()), "exhausted") {
		t.Fatal(`"exhausted" appears in the logs`)
	}
	if perWorker["w1"] == 0 || perWorker["w2"] == 0 {
		t.Fatalf("work not shared: %v", perWorker)
	}
	t.Logf("200 jobs, 2 workers x 4 buffer sets: 200/200 succeeded in %v (%.1f jobs/s), per worker %v", elapsed.Round(time.Millisecond), n/elapsed.Seconds(), perWorker)
}

// wavHeader builds a 44-byte PCM header with the given fields.
func wavHeader(channels, rate, bits int, dataLen uint32) []byte {
	h := make([]byte, 44)
	copy(h, "RIFF")
	binary.LittleEndian.PutUint32(h[4:], 36+dataLen)
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], 1)
	binary.LittleEndian.PutUint16(h[22:], uint16(channels))
	binary.LittleEndian.PutUint32(h[24:], uint32(rate))
	binary.LittleEndian.PutUint32(h[28:], uint32(rate*channels*bits/8))
	binary.LittleEndian.PutUint16(h[32:], uint16(channels*bits/8))
	binary.LittleEndian.PutUint16(h[34:], uint16(bits))
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], dataLen)
	return h
}

// Each kind of bad input ends in its own way, once, without a retry.
func TestBadInput(t *testing.T) {
	e := newEnv(t)
	w, _ := e.startWorker(map[string]string{"MAX_AUDIO_BYTES": "2MiB", "MAX_AUDIO_DURATION": "20s"})

	good := tone(1)
	lying := append(wavHeader(1, 16000, 16, 10_000_000), good[44:]...) // claims 10 MB of data
	corrupt := append([]byte("RIFF\x00\x00\x00\x00WAVEjunk"), make([]byte, 100)...)
	zeroRate := append(wavHeader(1, 0, 16, 3200), make([]byte, 3200)...)
	cases := []struct {
		id   string
		data []byte // uploaded at key id.wav unless nil
		job  string // raw job JSON; default a job for id.wav
		code job.Code
	}{
		{id: "missing-object", code: job.CodeAudioNotFound},
		{id: "too-large", data: make([]byte, 3<<20), code: job.CodeAudioTooLarge},
		{id: "truncated-header", data: good[:30], code: job.CodeAudioDecode},
		{id: "corrupt", data: corrupt, code: job.CodeAudioDecode},
		{id: "lying-header", data: lying, code: job.CodeAudioDecode},
		{id: "zero-rate", data: zeroRate, code: job.CodeAudioDecode},
		{id: "too-long", data: tone(25), code: job.CodeAudioTooLong},
		{id: "not-audio", data: append([]byte("ID3\x04\x00\x00\x00\x00\x00\x00"), make([]byte, 500)...), code: job.CodeUnsupportedFormat},
		{id: "no-audio", job: `{"job_id":"no-audio"}`, code: job.CodeInvalidJob},
		{id: "bad-task", job: `{"job_id":"bad-task","audio":{"bucket":"audio","key":"x.wav"},"task":"summarize"}`, code: job.CodeInvalidJob},
		{id: "missing-bucket", job: `{"job_id":"missing-bucket","audio":{"bucket":"no-such-bucket","key":"x.wav"}}`, code: job.CodeAudioNotFound},
	}
	for _, c := range cases {
		if c.data != nil {
			e.put(c.id+".wav", c.data)
		}
		raw := c.job
		if raw == "" {
			raw = fmt.Sprintf(`{"job_id":%q,"audio":{"bucket":"audio","key":%q}}`, c.id, c.id+".wav")
		}
		if _, err := e.js.Publish(context.Background(), e.qc.JobsSubject, []byte(raw)); err != nil {
			t.Fatal(err)
		}
	}
	// Messages that are not jobs at all.
	notJobs := map[string]string{"garbage": "this is not json {", "no-id": `{"audio":{"bucket":"a","key":"b"}}`, "bad-id": `{"job_id":"has spaces/and slashes"}`}
	for _, body := range notJobs {
		if _, err := e.js.Publish(context.Background(), e.qc.JobsSubject, []byte(body)); err != nil {
			t.Fatal(err)
		}
	}

	got := e.results(len(cases), time.Minute)
	for _, c := range cases {
		rs := got[c.id]
		if len(rs) != 1 {
			t.Errorf("%s: %d results", c.id, len(rs))
			continue
		}
		r := rs[0]
		if r.Status != job.StatusFailed || r.Error == nil || r.Error.Code != c.code || r.Attempt != 1 {
			t.Errorf("%s: want failed %s on attempt 1, got %s", c.id, c.code, mustJSON(r))
		}
	}

	// The DLQ holds each non-job once, with its payload and a reason.
	waitFor(t, 10*time.Second, func() bool { return e.streamMsgs(e.qc.DLQStream) == uint64(len(notJobs)) })
	dlq, err := e.js.Stream(context.Background(), e.qc.DLQStream)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for seq := uint64(1); seq <= uint64(len(notJobs)); seq++ {
		m, err := dlq.GetMsg(context.Background(), seq)
		if err != nil {
			t.Fatal(err)
		}
		reason := ""
		for k, v := range m.Header {
			if strings.Contains(strings.ToLower(k), "reason") {
				reason = v[0]
			}
		}
		if reason == "" {
			t.Errorf("DLQ entry %q has no reason header: %v", m.Data, m.Header)
		}
		seen[string(m.Data)] = true
	}
	for name, body := range notJobs {
		if !seen[body] {
			t.Errorf("%s: payload not in DLQ", name)
		}
	}
	waitFor(t, 10*time.Second, func() bool { return e.streamMsgs(e.qc.JobsStream) == 0 })
	if ci := e.consumerInfo(); ci.NumRedelivered != 0 || ci.NumAckPending != 0 {
		t.Fatalf("bad input was retried: redelivered %d, ack pending %d", ci.NumRedelivered, ci.NumAckPending)
	}
	// Jobs that end before the pipeline takes the reserved buffer are not
	// leaks (issue 8, item 1).
	assertNoLeaks(t, e, w)
}

// MinIO stopped for 10 s mid-run: the jobs it hits are retried and succeed.
func TestStorageOutageRetries(t *testing.T) {
	e := newEnv(t)
	w, _ := e.startWorker(map[string]string{"XDNA_SIM_WINDOW_MS": "100", "RETRY_BACKOFF": "1s", "MAX_DELIVER": "10"})
	ref := e.put("tone-2s.wav", tone(2))
	const n = 40
	for i := range n {
		e.submit(&job.Job{ID: jobID("outage", i), Audio: ref})
	}
	// Let a few finish, then take storage away for 10 s.
	e.results(3, time.Minute)
	e.minio.Stop()
	time.Sleep(10 * time.Second)
	e.minio.Restart(t)

	got := e.results(n, 3*time.Minute)
	retried := 0
	for i := range n {
		rs := got[jobID("outage", i)]
		if len(rs) != 1 || rs[0].Status != job.StatusSucceeded {
			t.Fatalf("%s: %s", jobID("outage", i), mustJSON(rs))
		}
		if rs[0].Attempt > 1 {
			retried++
		}
	}
	if retried == 0 {
		t.Fatal("no job was retried: the outage did not hit any job")
	}
	if e.streamMsgs(e.qc.DLQStream) != 0 {
		t.Fatal("the outage sent messages to the DLQ")
	}
	// Failed fetches are not leaks (issue 8, item 1).
	assertNoLeaks(t, e, w)
	t.Logf("%d/%d succeeded; %d needed more than one attempt", n, n, retried)
}

// A job whose worker dies on every delivery never reaches a failure path in
// the worker; the server's max-deliveries advisory moves it to the DLQ.
func TestExhaustedByCrashesIntoDLQ(t *testing.T) {
	e := newEnv(t)
	e.qc.MaxDeliver, e.qc.AckWait = 2, time.Second
	if err := queue.Provision(context.Background(), e.js, e.qc); err != nil {
		t.Fatal(err)
	}
	e.submit(&job.Job{ID: "crashy", Audio: e.put("c.wav", tone(1))})
	// Play a worker that crashes: take each delivery and never answer (its
	// router moves the job to its lane first).
	routeCtx, stopRouting := context.WithCancel(context.Background())
	routed := make(chan struct{})
	go func() {
		defer close(routed)
		queue.NewRouter(e.js, e.qc, nil).Run(routeCtx)
	}()
	in := queue.NewIntake(e.js, e.qc)
	t.Cleanup(in.Close)
	for range 2 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if _, err := in.Next(ctx); err != nil {
			t.Fatal(err)
		}
		cancel()
	}
	stopRouting()
	<-routed
	// A real worker now runs the rescuer (its consumer settings must match).
	w, _ := e.startWorker(map[string]string{"MAX_DELIVER": "2", "ACK_WAIT": "1s"})
	waitFor(t, 30*time.Second, func() bool { return e.streamMsgs(e.qc.DLQStream) == 1 })
	// Its rescuer counts the dead letter as the worker counts its own.
	waitFor(t, 5*time.Second, func() bool {
		_, page := get(w.Handler(), "/metrics")
		return metricValue(page, `xdna_dead_letters_total{reason="max_deliver"}`) == 1
	})
	dlq, _ := e.js.Stream(context.Background(), e.qc.DLQStream)
	m, _ := dlq.GetMsg(context.Background(), 1)
	if !strings.HasPrefix(m.Header.Get("Xdna-Dlq-Reason"), "max_deliver: no outcome after 2 deliveries") {
		t.Fatalf("DLQ entry %s %v", m.Data, m.Header)
	}
	waitFor(t, 10*time.Second, func() bool { return e.streamMsgs(e.qc.JobsStream) == 0 })
}

// Outputs are written back to storage in each requested format.
func TestOutputsWrittenBack(t *testing.T) {
	e := newEnv(t)
	e.startWorker(nil)
	if err := e.store.EnsureBucket(context.Background(), "transcripts"); err != nil {
		t.Fatal(err)
	}
	ref := e.put("a.wav", tone(2))
	e.submit(&job.Job{ID: "with-output", Audio: ref, Output: &job.Output{Bucket: "transcripts", Prefix: "2026/11/with-output", Formats: []string{"json", "txt", "srt", "vtt"}}})
	r := e.results(1, time.Minute)["with-output"][0]
	if r.Status != job.StatusSucceeded || len(r.Outputs) != 4 {
		t.Fatalf("%s", mustJSON(r))
	}
	var b strings.Builder
	if _, err := e.store.Fetch(context.Background(), job.ObjectRef{Bucket: "transcripts", Key: "2026/11/with-output.vtt"}, 1<<20, &b); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), "WEBVTT") {
		t.Fatalf("vtt output %q", b.String())
	}
}

// /health, /readyz and /metrics answer as documented.
func TestHTTPEndpoints(t *testing.T) {
	e := newEnv(t)
	w, _ := e.startWorker(nil)
	ref := e.put("a.wav", tone(1))
	e.submit(&job.Job{ID: "one", Audio: ref})
	e.results(1, time.Minute)

	srv := httptest.NewServer(w.Handler())
	defer srv.Close()
	get := func(path string) (int, string) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Fatalf("/healthz %d", code)
	}
	waitFor(t, 5*time.Second, func() bool { code, _ := get("/readyz"); return code == 200 })
	code, body := get("/health")
	var h worker.Health
	if err := json.Unmarshal([]byte(body), &h); code != 200 || err != nil {
		t.Fatalf("/health %d %v: %s", code, err, body)
	}
	for _, name := range []string{"audio", "mel", "encoder_output"} {
		p, ok := h.BufferPools[name]
		if !ok || p.TotalBuffers != 4 || p.HasLeaks {
			t.Fatalf("pool %s: %+v", name, p)
		}
	}
	// The default pools (4 each) are healthy when idle (issue 8, item 5);
	// the seed's threshold of 5 said degraded.
	if h.Status != "healthy" || len(h.Warnings) != 0 {
		t.Fatalf("health %+v", h)
	}
	for _, key := range []string{`"hit_rate"`, `"buffers_available"`, `"buffers_in_use"`, `"total_buffers"`, `"has_leaks"`} {
		if !strings.Contains(body, key) {
			t.Fatalf("/health lacks %s", key)
		}
	}
	_, metrics := get("/metrics")
	for _, series := range []string{`xdna_jobs_total{code="ok",status="succeeded"} 1`, "xdna_stage_seconds_bucket", "xdna_queue_wait_seconds", `xdna_pool_size{pool="mel"} 4`, "xdna_backpressure", "xdna_jobs_in_flight", "xdna_redeliveries_total"} {
		if !strings.Contains(metrics, series) {
			t.Errorf("/metrics lacks %s", series)
		}
	}
}

func TestConfigReportsEveryProblem(t *testing.T) {
	_, err := worker.LoadConfig(map[string]string{
		"XDNA_DEVICE": "gpu", "AUDIO_BUFFER_POOL_SIZE": "0", "ACK_WAIT": "10ms", "LOG_FORMAT": "xml",
		"MAX_AUDIO_BYTES": "lots", "S3_ENDPOINT": "http://x:9000", "NATS_USER": "u",
	})
	if err == nil {
		t.Fatal("bad configuration accepted")
	}
	for _, want := range []string{"XDNA_DEVICE", "AUDIO_BUFFER_POOL_SIZE", "ACK_WAIT", "LOG_FORMAT", "MAX_AUDIO_BYTES", "S3_ENDPOINT", "NATS_PASSWORD"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s:\n%v", want, err)
		}
	}
	cfg, err := worker.LoadConfig(map[string]string{"MAX_AUDIO_DURATION": "30", "MAX_AUDIO_BYTES": "512MiB", "NATS_PASSWORD": "hunter2", "NATS_USER": "u", "S3_SECRET_KEY": "s3cr3t"})
	if err != nil {
		t.Fatal(err)
	}
	if time.Duration(cfg.MaxAudioDuration) != 30*time.Second || cfg.MaxAudioBytes != 512<<20 {
		t.Fatalf("%v %v", cfg.MaxAudioDuration, cfg.MaxAudioBytes)
	}
	var b strings.Builder
	logJSON(&b, cfg)
	if strings.Contains(b.String(), "hunter2") || strings.Contains(b.String(), "s3cr3t") {
		t.Fatalf("secret in log: %s", b.String())
	}
}

func waitFor(t *testing.T, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// With a model, the worker runs the real Whisper pipeline on the cpu device.
func TestCPUDeviceEndToEnd(t *testing.T) {
	e := newEnv(t)
	model := randomModelFile(t)
	e.startWorker(map[string]string{"XDNA_DEVICE": "auto", "WHISPER_MODEL": model})
	e.submit(&job.Job{ID: "cpu-1", Audio: e.put("tone.wav", tone(4)), Language: "en"})
	r := e.results(1, 2*time.Minute)["cpu-1"][0]
	if r.Status != job.StatusSucceeded || r.Device != "cpu" || r.Model != "random-64x1" || r.Language != "en" || r.DurationS != 4 {
		t.Fatalf("%s", mustJSON(r))
	}
	if r.TimingsMS["encode"] <= 0 && r.TimingsMS["decode_text"] <= 0 {
		t.Fatalf("no model time recorded: %v", r.TimingsMS)
	}
}
