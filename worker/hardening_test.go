package worker_test

// Tests of issue 8's worker items: each fails on the code before the fix.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/pipeline"
	"github.com/xdna-worker/xdna-worker/whisper"
	"github.com/xdna-worker/xdna-worker/worker"
	"github.com/xdna-worker/xdna-worker/xdna"
)

// get serves one GET request with h, without a server.
func get(h http.Handler, path string) (int, string) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Code, rec.Body.String()
}

// metricValue returns the value of one series in a /metrics page, or -1.
func metricValue(page, series string) float64 {
	for _, line := range strings.Split(page, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			var f float64
			if _, err := fmt.Sscan(v, &f); err == nil {
				return f
			}
		}
	}
	return -1
}

// assertNoLeaks checks that no pool of w reports a leak, that the leak
// counter is zero and that no leak was logged (issue 8, item 1).
func assertNoLeaks(t *testing.T, e *env, w *worker.Worker) {
	t.Helper()
	for _, p := range w.Pools().All() {
		if s := p.Stats(); s.HasLeaks || s.Leaks != 0 {
			t.Errorf("pool %s reports leaks: %+v", s.Name, s)
		}
	}
	_, page := get(w.Handler(), "/metrics")
	if v := metricValue(page, "xdna_buffer_leaks_total"); v != 0 {
		t.Errorf("xdna_buffer_leaks_total %v, want 0", v)
	}
	for _, line := range strings.Split(e.logs.String(), "\n") {
		if strings.Contains(line, "buffer leak") {
			t.Errorf("a leak was logged: %s", line)
		}
	}
}

// leakyText is a text decoder with a real leak: every window it takes a mel
// buffer and never gives it back.
type leakyText struct{ pools atomic.Pointer[xdna.Pools] }

func (l *leakyText) Start(context.Context, *pipeline.Request) (pipeline.TextSession, error) {
	return l, nil
}
func (l *leakyText) Close() {}
func (l *leakyText) DecodeWindow(ctx context.Context, _ []float32, w pipeline.Window) (pipeline.WindowText, error) {
	if _, err := l.pools.Load().Mel.Acquire(ctx); err != nil {
		return pipeline.WindowText{}, err
	}
	return pipeline.WindowText{Language: "en", Segments: []job.Segment{{Start: w.Start.Seconds(), End: w.Start.Seconds() + 1, Text: "x"}}}, nil
}

// Item 1, the positive case: a buffer a job really keeps is caught when the
// job ends — counted, logged with the job id, shown by /health — and goes
// back to its pool.
func TestRealLeakIsCaught(t *testing.T) {
	e := newEnv(t)
	text := &leakyText{}
	w, _ := e.startWorkerWith(nil, worker.OpenWithText(text))
	text.pools.Store(w.Pools())
	e.submit(&job.Job{ID: "leaky", Audio: e.put("a.wav", tone(1))})
	if r := e.results(1, time.Minute)["leaky"][0]; r.Status != job.StatusSucceeded {
		t.Fatalf("%s", mustJSON(r))
	}
	mel := w.Pools().Mel
	waitFor(t, 10*time.Second, func() bool { return mel.Stats().Leaks == 1 })
	if s := mel.Stats(); s.BuffersInUse != 0 || s.BuffersAvailable != 4 {
		t.Fatalf("the leaked buffer is not back in its pool: %+v", s)
	}
	_, page := get(w.Handler(), "/metrics")
	if v := metricValue(page, "xdna_buffer_leaks_total"); v != 1 {
		t.Fatalf("xdna_buffer_leaks_total %v, want 1", v)
	}
	if !regexp.MustCompile(`level=ERROR msg="buffer leak[^\n]*job_id=leaky`).MatchString(e.logs.String()) {
		t.Fatalf("leak not logged with the job id:\n%s", e.logs.String())
	}
	for _, p := range []*xdna.Pool{w.Pools().Audio, w.Pools().EncoderOutput} {
		if s := p.Stats(); s.Leaks != 0 {
			t.Fatalf("pool %s: %+v", s.Name, s)
		}
	}
	h := w.Health()
	if h.Status != "degraded" || !h.BufferPools["mel"].HasLeaks {
		t.Fatalf("health %+v", h)
	}
}

// Item 2: two deliveries of the same job_id on one worker. The second is
// handed back while the first runs, so a bogus message naming a running job
// cannot publish first and make the real result be refused as a duplicate,
// and neither delivery touches the other's buffers.
func TestSameJobIDTwiceOnOneWorker(t *testing.T) {
	e := newEnv(t)
	w, _ := e.startWorker(map[string]string{"XDNA_SIM_WINDOW_MS": "200", "MAX_DELIVER": "20"})
	e.put("real.wav", tone(150)) // 5 windows × 200 ms
	e.put("other.wav", tone(1))
	for _, raw := range []string{
		`{"job_id":"twin","audio":{"bucket":"audio","key":"real.wav"},"metadata":{"n":"real"}}`,
		`{"job_id":"twin"}`, // bogus: no audio, fails at once as invalid_job
		`{"job_id":"twin","audio":{"bucket":"audio","key":"other.wav"},"metadata":{"n":"copy"}}`,
	} {
		// No Nats-Msg-Id: the stream does not deduplicate them.
		if _, err := e.js.Publish(context.Background(), e.qc.JobsSubject, []byte(raw)); err != nil {
			t.Fatal(err)
		}
	}
	r := e.results(1, time.Minute)["twin"][0]
	if r.Status != job.StatusSucceeded || string(r.Metadata) != `{"n":"real"}` || r.DurationS != 150 {
		t.Fatalf("the first message's result was not the one kept: %s", mustJSON(r))
	}
	waitFor(t, time.Minute, func() bool { return e.streamMsgs(e.qc.JobsStream) == 0 })
	if n := e.streamMsgs(e.qc.ResultsStream); n != 1 {
		t.Fatalf("RESULTS holds %d messages", n)
	}
	if n := e.streamMsgs(e.qc.DLQStream); n != 0 {
		t.Fatalf("DLQ holds %d messages", n)
	}
	waitFor(t, 10*time.Second, func() bool {
		_, page := get(w.Handler(), "/metrics")
		return metricValue(page, "xdna_duplicate_results_total") == 2
	})
	_, page := get(w.Handler(), "/metrics")
	if v := metricValue(page, `xdna_retries_total{reason="running"}`); v < 2 {
		t.Fatalf("deliveries of a running job id were not handed back: retries{running} = %v", v)
	}
	assertNoLeaks(t, e, w)
}

// Item 4: pools grown under a burst shrink back to their size once idle for
// POOL_IDLE_TRIM.
func TestPoolsShrinkWhenIdle(t *testing.T) {
	e := newEnv(t)
	w, _ := e.startWorker(map[string]string{
		"POOL_GROWTH": "auto", "MAX_POOL_SIZE": "6", "POOL_IDLE_TRIM": "300ms",
		"AUDIO_BUFFER_POOL_SIZE": "1", "MEL_BUFFER_POOL_SIZE": "1", "ENCODER_BUFFER_POOL_SIZE": "1",
		"XDNA_SIM_WINDOW_MS": "100", "XDNA_SIM_CONTEXTS": "4",
	})
	ref := e.put("a.wav", tone(60))
	for i := range 6 {
		e.submit(&job.Job{ID: jobID("burst", i), Audio: ref})
	}
	for id, rs := range e.results(6, time.Minute) {
		if rs[0].Status != job.StatusSucceeded {
			t.Fatalf("%s: %s", id, mustJSON(rs[0]))
		}
	}
	if s := w.Pools().Audio.Stats(); s.Grown == 0 {
		t.Fatalf("the burst did not grow the audio pool: %+v", s)
	}
	waitFor(t, 10*time.Second, func() bool {
		for _, p := range w.Pools().All() {
			if p.Stats().TotalBuffers != 1 {
				return false
			}
		}
		return true
	})
	if s := w.Pools().Audio.Stats(); s.Trimmed == 0 {
		t.Fatalf("%+v", s)
	}
}

// Item 5: /healthz fails while encodes wait on a device that finishes none
// for LIVENESS_TIMEOUT, and not while the worker is merely idle.
func TestHealthzFailsOnWedgedDevice(t *testing.T) {
	e := newEnv(t)
	w, _ := e.startWorker(map[string]string{"XDNA_SIM_WINDOW_MS": "600000", "LIVENESS_TIMEOUT": "1s", "SHUTDOWN_TIMEOUT": "1s"})
	h := w.Handler()
	time.Sleep(1500 * time.Millisecond)
	if code, body := get(h, "/healthz"); code != http.StatusOK {
		t.Fatalf("idle worker: /healthz %d %s", code, body)
	}
	e.submit(&job.Job{ID: "stuck", Audio: e.put("a.wav", tone(1))})
	waitFor(t, 20*time.Second, func() bool { code, _ := get(h, "/healthz"); return code == http.StatusServiceUnavailable })
	if _, body := get(h, "/healthz"); !strings.Contains(body, "device") {
		t.Fatalf("/healthz does not say what is stuck: %s", body)
	}
	if hl := w.Health(); hl.Status != "degraded" || !strings.Contains(strings.Join(hl.Warnings, "\n"), "device") {
		t.Fatalf("/health %+v", hl)
	}
}

// Item 5: /healthz fails when the intake loop cannot admit work that is
// waiting and nothing in flight could ever free it; it recovers when it can.
func TestHealthzFailsOnWedgedIntake(t *testing.T) {
	e := newEnv(t)
	w, _ := e.startWorker(map[string]string{"AUDIO_BUFFER_POOL_SIZE": "2", "LIVENESS_TIMEOUT": "1s"})
	h := w.Handler()
	audio := w.Pools().Audio
	waitFor(t, 10*time.Second, func() bool { return audio.Stats().BuffersInUse == 1 }) // the intake's reservation
	// Something outside any job takes the audio buffers: one now, the next
	// one released by queueing ahead of the intake loop.
	held, ok := audio.TryAcquire(context.Background())
	if !ok {
		t.Fatal("no free audio buffer")
	}
	taken := make(chan xdna.Buffer, 1)
	go func() {
		b, err := audio.Acquire(context.Background())
		if err != nil {
			t.Error(err)
		}
		taken <- b
	}()
	waitFor(t, 10*time.Second, func() bool { return audio.Stats().Waiting == 1 })
	e.submit(&job.Job{ID: "first", Audio: e.put("a.wav", tone(1))})
	e.results(1, time.Minute)
	b := <-taken
	waitFor(t, 10*time.Second, func() bool { return w.Health().InFlight == 0 && audio.Stats().Waiting == 1 })
	time.Sleep(1200 * time.Millisecond)
	if code, body := get(h, "/healthz"); code != http.StatusOK {
		t.Fatalf("stuck intake with no work waiting: /healthz %d %s", code, body)
	}
	e.submit(&job.Job{ID: "second", Audio: e.put("b.wav", tone(1))})
	waitFor(t, 20*time.Second, func() bool { code, _ := get(h, "/healthz"); return code == http.StatusServiceUnavailable })
	if _, body := get(h, "/healthz"); !strings.Contains(body, "intake") {
		t.Fatalf("/healthz does not say what is stuck: %s", body)
	}
	held.Release()
	b.Release()
	if r := e.results(2, time.Minute)["second"][0]; r.Status != job.StatusSucceeded {
		t.Fatalf("%s", mustJSON(r))
	}
	waitFor(t, 10*time.Second, func() bool { code, _ := get(h, "/healthz"); return code == http.StatusOK })
}

// Item 11: a job that keeps exceeding JOB_TIMEOUT is retried once, then
// gets a failed result with code timeout (not 8 deliveries and the DLQ);
// the jobs around it are unaffected.
func TestTimeoutRetriedOnceThenFailed(t *testing.T) {
	e := newEnv(t)
	w, _ := e.startWorker(map[string]string{"XDNA_SIM_WINDOW_MS": "100", "JOB_TIMEOUT": "400ms", "RETRY_BACKOFF": "100ms"})
	e.submit(&job.Job{ID: "before", Audio: e.put("short.wav", tone(1))})
	e.submit(&job.Job{ID: "slow", Audio: e.put("slow.wav", tone(300)), Metadata: json.RawMessage(`{"t":1}`)}) // 10 windows × 100 ms > 400 ms
	e.submit(&job.Job{ID: "after", Audio: e.put("short2.wav", tone(1))})
	got := e.results(3, time.Minute)
	if got["before"][0].Status != job.StatusSucceeded || got["after"][0].Status != job.StatusSucceeded {
		t.Fatalf("neighbours: %s", mustJSON(got))
	}
	r := got["slow"][0]
	if r.Status != job.StatusFailed || r.Error == nil || r.Error.Code != job.CodeTimeout || r.Attempt != 2 ||
		!strings.Contains(r.Error.Message, "JOB_TIMEOUT") || string(r.Metadata) != `{"t":1}` {
		t.Fatalf("slow: %s", mustJSON(r))
	}
	waitFor(t, 10*time.Second, func() bool { return e.streamMsgs(e.qc.JobsStream) == 0 })
	if n := e.streamMsgs(e.qc.DLQStream); n != 0 {
		t.Fatalf("DLQ holds %d messages", n)
	}
	_, page := get(w.Handler(), "/metrics")
	if v := metricValue(page, `xdna_retries_total{reason="timeout"}`); v != 1 {
		t.Fatalf("timeout retries %v, want 1", v)
	}
	assertNoLeaks(t, e, w)
}

// openFilesIn lists what this process has open under dir (as the kernel
// names it: " (deleted)" marks an unlinked file).
func openFilesIn(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ent := range ents {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", ent.Name()))
		if err == nil && strings.HasPrefix(target, dir+"/") {
			out = append(out, target)
		}
	}
	return out
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ent := range ents {
		out = append(out, ent.Name())
	}
	return out
}

// Item 12: spool files have no name while a job runs (nothing survives a
// SIGKILL or an OOM kill), this worker's leftovers in XDNA_TEMP_DIR are
// swept at start, and the fetched object's spool is closed as soon as it is
// decoded.
func TestSpoolFiles(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc/self/fd")
	}
	e := newEnv(t)
	dir := t.TempDir()
	leftovers := []string{"xdna-spool+w1+audio-123", "xdna-spool+w1+pcm-456"}
	kept := []string{"notes.txt", "xdna-spool+w2+audio-1"} // not ours: another worker's, or not a spool
	for _, n := range append(append([]string{}, leftovers...), kept...) {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	w, _ := e.startWorker(map[string]string{"XDNA_TEMP_DIR": dir, "XDNA_SIM_WINDOW_MS": "300"})
	if got := strings.Join(names(t, dir), ","); got != strings.Join(kept, ",") {
		t.Fatalf("after start %s holds %s, want %s", dir, got, strings.Join(kept, ","))
	}
	e.submit(&job.Job{ID: "spooled", Audio: e.put("a.wav", tone(120))}) // 4 windows × 300 ms
	dev, ok := w.Device().(*xdna.Watched)
	if !ok {
		t.Fatalf("device %T is not watched", w.Device())
	}
	waitFor(t, 30*time.Second, func() bool { busy, _, _ := dev.Progress(); return busy > 0 })
	// Encoding: the audio is decoded, its samples are in the pcm spool.
	if got := strings.Join(names(t, dir), ","); got != strings.Join(kept, ",") {
		t.Errorf("while the job runs %s holds %s: spool files have names", dir, got)
	}
	open := openFilesIn(t, dir)
	var pcm int
	for _, f := range open {
		switch {
		case strings.Contains(f, "audio-"):
			t.Errorf("the fetched object's spool is still open after decoding: %s", f)
		case strings.Contains(f, "pcm-") && strings.HasSuffix(f, " (deleted)"):
			pcm++
		default:
			t.Errorf("unexpected open file %s", f)
		}
	}
	if pcm != 1 {
		t.Errorf("open under %s while encoding: %v; want one unlinked pcm spool", dir, open)
	}
	if r := e.results(1, time.Minute)["spooled"][0]; r.Status != job.StatusSucceeded {
		t.Fatalf("%s", mustJSON(r))
	}
	waitFor(t, 10*time.Second, func() bool { return len(openFilesIn(t, dir)) == 0 })
}

// Item 8 (worker side): a job may only read and write the buckets its
// worker allows; outside them it fails invalid_job before any storage call,
// saying which bucket is not allowed but never whether an object exists.
func TestAllowedBuckets(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, b := range []string{"secret", "transcripts", "other-out"} {
		if err := e.store.EnsureBucket(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	secret := tone(1)
	if err := e.store.Put(ctx, "secret", "s.wav", strings.NewReader(string(secret)), int64(len(secret)), "audio/wav"); err != nil {
		t.Fatal(err)
	}
	w, _ := e.startWorker(map[string]string{"ALLOWED_AUDIO_BUCKETS": "audio, tenant-*", "ALLOWED_OUTPUT_BUCKETS": "transcripts"})
	ref := e.put("a.wav", tone(1))
	e.submit(&job.Job{ID: "ok", Audio: ref, Output: &job.Output{Bucket: "transcripts", Prefix: "ok"}})
	e.submit(&job.Job{ID: "secret-exists", Audio: job.ObjectRef{Bucket: "secret", Key: "s.wav"}})
	e.submit(&job.Job{ID: "secret-missing", Audio: job.ObjectRef{Bucket: "secret", Key: "s.wav.nope"}})
	e.submit(&job.Job{ID: "out-denied", Audio: ref, Output: &job.Output{Bucket: "other-out", Prefix: "x"}})
	got := e.results(4, time.Minute)
	if r := got["ok"][0]; r.Status != job.StatusSucceeded {
		t.Fatalf("ok: %s", mustJSON(r))
	}
	denied := func(id, bucket string) string {
		t.Helper()
		r := got[id][0]
		if r.Status != job.StatusFailed || r.Error == nil || r.Error.Code != job.CodeInvalidJob || r.Attempt != 1 ||
			!strings.Contains(r.Error.Message, fmt.Sprintf("%q", bucket)) || !strings.Contains(r.Error.Message, "not allowed") {
			t.Fatalf("%s: %s", id, mustJSON(r))
		}
		return strings.ReplaceAll(r.Error.Message, id, "ID")
	}
	exists, missing := denied("secret-exists", "secret"), denied("secret-missing", "secret")
	if exists != strings.ReplaceAll(missing, "s.wav.nope", "s.wav") {
		t.Fatalf("the errors tell an existing object from a missing one:\n%s\n%s", exists, missing)
	}
	for _, word := range []string{"not found", "exist", "size", "bytes", "RIFF"} {
		if strings.Contains(strings.ToLower(exists), strings.ToLower(word)) {
			t.Fatalf("%q in %s", word, exists)
		}
	}
	denied("out-denied", "other-out")
	if _, err := e.store.Stat(ctx, "other-out", "x.json"); err == nil {
		t.Fatal("a transcript was written to a bucket that is not allowed")
	}

	// Before any storage call: with storage down, the refusal is the same,
	// on the first attempt (a storage call would fail as transient and be
	// retried).
	e.minio.Stop()
	e.submit(&job.Job{ID: "secret-down", Audio: job.ObjectRef{Bucket: "secret", Key: "s.wav"}})
	e.submit(&job.Job{ID: "out-denied-down", Audio: ref, Output: &job.Output{Bucket: "other-out", Prefix: "x"}})
	got = e.results(6, 30*time.Second)
	denied("secret-down", "secret")
	denied("out-denied-down", "other-out")
	assertNoLeaks(t, e, w)
}

// Item 8: the allow-lists are globs, checked once at start.
func TestAllowedBucketsConfig(t *testing.T) {
	_, err := worker.LoadConfig(map[string]string{"ALLOWED_AUDIO_BUCKETS": "audio,[bad", "ALLOWED_OUTPUT_BUCKETS": "out/put"})
	if err == nil || !strings.Contains(err.Error(), "ALLOWED_AUDIO_BUCKETS") || !strings.Contains(err.Error(), "ALLOWED_OUTPUT_BUCKETS") {
		t.Fatalf("bad globs accepted: %v", err)
	}
	cfg, err := worker.LoadConfig(map[string]string{"ALLOWED_AUDIO_BUCKETS": " audio , tenant-* ,"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(cfg.AllowedAudioBuckets, "|") != "audio|tenant-*" || len(cfg.AllowedOutputBuckets) != 0 {
		t.Fatalf("%q %q", cfg.AllowedAudioBuckets, cfg.AllowedOutputBuckets)
	}
	for _, bad := range []map[string]string{{"POOL_IDLE_TRIM": "0s"}, {"LIVENESS_TIMEOUT": "-1s"}, {"S3_USE_TLS": "true", "S3_TLS_CA": "/nonexistent/ca.pem"}} {
		if _, err := worker.LoadConfig(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// Item 8: keys with ".." segments, a leading "/" or control characters, and
// such output prefixes, are refused as invalid_job on the first attempt,
// before any storage call (storage is down here) and before any work.
func TestUnsafeNamesRefused(t *testing.T) {
	e := newEnv(t)
	w, _ := e.startWorker(nil)
	e.minio.Stop()
	ok := job.ObjectRef{Bucket: bucket, Key: "a.wav"}
	cases := map[string]*job.Job{
		"dotdot":      {Audio: job.ObjectRef{Bucket: bucket, Key: "x/../../etc/passwd"}},
		"absolute":    {Audio: job.ObjectRef{Bucket: bucket, Key: "/a.wav"}},
		"control":     {Audio: job.ObjectRef{Bucket: bucket, Key: "a\nforged log line.wav"}},
		"out-dotdot":  {Audio: ok, Output: &job.Output{Bucket: bucket, Prefix: "../other-tenant/x"}},
		"out-control": {Audio: ok, Output: &job.Output{Bucket: bucket, Prefix: "x\x01"}},
	}
	for id, j := range cases {
		j.ID = id
		e.submit(j)
	}
	got := e.results(len(cases), 30*time.Second)
	for id := range cases {
		r := got[id][0]
		if r.Status != job.StatusFailed || r.Error == nil || r.Error.Code != job.CodeInvalidJob || r.Attempt != 1 {
			t.Errorf("%s: %s", id, mustJSON(r))
		}
	}
	if s := w.Pools().Mel.Stats(); s.Acquires != 0 {
		t.Fatalf("work was done for refused jobs: %+v", s)
	}
	assertNoLeaks(t, e, w)
}

// recordingText is a text decoder that records the requests it starts.
type recordingText struct {
	mu   sync.Mutex
	reqs []*pipeline.Request
}

func (r *recordingText) Start(_ context.Context, req *pipeline.Request) (pipeline.TextSession, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = append(r.reqs, req)
	return r, nil
}
func (r *recordingText) Close() {}
func (r *recordingText) DecodeWindow(context.Context, []float32, pipeline.Window) (pipeline.WindowText, error) {
	return pipeline.WindowText{Language: "en"}, nil
}

// Issue 9, item 3: a job's decoding options reach the text decoder; the
// worker's defaults (BEAM_SIZE, BEST_OF, TEMPERATURE, FALLBACK) are
// whisper.cpp's CLI's and are validated at start.
func TestDecodingOptions(t *testing.T) {
	cfg, err := worker.LoadConfig(map[string]string{})
	if err != nil && !strings.Contains(err.Error(), "NATS_URL") {
		t.Fatal(err)
	}
	if o := cfg.DecodingOptions(); o.BeamSize != 5 || o.BestOf != 5 || len(o.Temperatures) != 6 || o.Temperatures[0] != 0 || o.Rules != whisper.RulesWhisperCpp {
		t.Fatalf("defaults %+v", o)
	}
	if cfg, _ := worker.LoadConfig(map[string]string{"DECODING_RULES": "openai"}); cfg.DecodingOptions().Rules != whisper.RulesOpenAI {
		t.Errorf("DECODING_RULES=openai gives %q", cfg.DecodingOptions().Rules)
	}
	if cfg.DecodingOptions().Unbatched {
		t.Error("DECODER_BATCH defaults to false")
	}
	if cfg, _ := worker.LoadConfig(map[string]string{"DECODER_BATCH": "false"}); !cfg.DecodingOptions().Unbatched {
		t.Error("DECODER_BATCH=false ignored")
	}
	for _, bad := range []map[string]string{{"BEAM_SIZE": "0"}, {"BEST_OF": "17"}, {"TEMPERATURE": "1.5"}, {"DECODING_RULES": "greedy"}} {
		if _, err := worker.LoadConfig(bad); err == nil || !strings.Contains(err.Error(), strings.Split(fmt.Sprint(bad), ":")[0][4:]) {
			t.Errorf("%v: %v", bad, err)
		}
	}

	e := newEnv(t)
	text := &recordingText{}
	e.startWorkerWith(nil, worker.OpenWithText(text))
	var j job.Job
	if err := json.Unmarshal([]byte(`{"job_id":"beam","decoding":{"beam_size":3,"fallback":false}}`), &j); err != nil {
		t.Fatal(err)
	}
	j.Audio = e.put("a.wav", tone(1))
	e.submit(&j)
	if r := e.results(1, time.Minute)["beam"][0]; r.Status != job.StatusSucceeded {
		t.Fatalf("%s", mustJSON(r))
	}
	text.mu.Lock()
	defer text.mu.Unlock()
	if len(text.reqs) != 1 || text.reqs[0].Decoding == nil || *text.reqs[0].Decoding.BeamSize != 3 || *text.reqs[0].Decoding.Fallback {
		t.Fatalf("the job's decoding options did not reach the text decoder: %+v", text.reqs)
	}
}
