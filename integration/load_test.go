package integration

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/loadtest"
)

// TestLoadLevels drives 3 sim workers (200 ms per window, 4 contexts, pools
// of 8 so that buffer sets exceed contexts) at increasing concurrency with
// the loadtest package. Every level must succeed 100 %, and at concurrency
// 50 the fleet must reach 95 % of the sim's ideal throughput
// (workers × contexts / window). The table goes to the test log and, as
// Markdown, to $XDNA_LOADTEST_REPORT when that is set.
func TestLoadLevels(t *testing.T) {
	start := time.Now()
	const (
		workers  = 3
		contexts = 4
		windowMS = 200
		pools    = 8
	)
	c := NewCluster(t, Options{Workers: workers, AudioSeconds: 5, Env: map[string]string{
		"XDNA_SIM_WINDOW_MS": strconv.Itoa(windowMS), "XDNA_SIM_CONTEXTS": strconv.Itoa(contexts),
		"AUDIO_BUFFER_POOL_SIZE": strconv.Itoa(pools), "MEL_BUFFER_POOL_SIZE": strconv.Itoa(pools),
		"ENCODER_BUFFER_POOL_SIZE": strconv.Itoa(pools), "ACK_WAIT": "30s",
	}})
	ideal := float64(workers*contexts) / (float64(windowMS) / 1000)

	// Jobs per level: enough for ~8-15 s at the level's expected rate, so
	// that ramp-up and the final drain weigh little.
	levels := []struct{ concurrency, jobs int }{
		{4, 120}, {8, 240}, {16, 480}, {32, 600}, {50, 900}, {200, 900},
	}
	var reports []*loadtest.Report
	for _, l := range levels {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		rep, err := loadtest.Run(ctx, c.JS, c.QC, loadtest.Config{
			Concurrency: l.concurrency, Jobs: l.jobs, Audio: c.Audio, AudioSeconds: c.AudioSeconds, Timeout: 2 * time.Minute,
		})
		cancel()
		if err != nil {
			t.Fatalf("concurrency %d: %v", l.concurrency, err)
		}
		reports = append(reports, rep)
		t.Logf("concurrency %3d: %d jobs, %.1f %% success, %.1f jobs/s (%.0f %% of ideal), p50 %.0f ms, p99 %.0f ms, workers %v",
			l.concurrency, rep.Jobs, 100*rep.SuccessRate, rep.JobsPerSec, 100*rep.JobsPerSec/ideal, rep.Latency.P50, rep.Latency.P99, rep.Workers)
		t.Logf("concurrency %3d: stage p50 ms %s", l.concurrency, stageLine(rep))
		if rep.SuccessRate != 1 || rep.Missing != 0 || rep.Failed != 0 || rep.Duplicates != 0 {
			t.Errorf("concurrency %d: success %.4f, %d failed %v, %d missing, %d duplicates",
				l.concurrency, rep.SuccessRate, rep.Failed, rep.Failures, rep.Missing, rep.Duplicates)
		}
		if l.concurrency == 50 && rep.JobsPerSec < 0.95*ideal {
			t.Errorf("concurrency 50: %.1f jobs/s is %.1f %% of the sim ideal %.0f jobs/s, want >= 95 %%",
				rep.JobsPerSec, 100*rep.JobsPerSec/ideal, ideal)
		}
	}
	c.WaitJobsEmpty(30 * time.Second)
	c.CheckDLQEmpty()

	table := loadTable(reports, ideal)
	intro := fmt.Sprintf("%d `xdna-worker` containers (`XDNA_DEVICE=sim`, `XDNA_SIM_WINDOW_MS=%d`, `XDNA_SIM_CONTEXTS=%d`, pools of %d), "+
		"NATS and MinIO containers on one Docker network, a %g s WAV per job; ideal = %d × %d / %g s = **%.0f jobs/s**. "+
		"Measured %s by `go test ./integration -run TestLoadLevels`.",
		workers, windowMS, contexts, pools, c.AudioSeconds, workers, contexts, float64(windowMS)/1000, ideal, time.Now().Format("2006-01-02"))
	t.Logf("load levels:\n%s\n\n%s", intro, table)
	if path := os.Getenv("XDNA_LOADTEST_REPORT"); path != "" {
		if err := os.WriteFile(path, []byte(intro+"\n\n"+table+"\n"), 0o644); err != nil {
			t.Errorf("write %s: %v", path, err)
		} else {
			t.Logf("table written to %s", path)
		}
	}
	t.Logf("RESULT load: test %v", time.Since(start).Round(time.Second))
}

// loadTable renders load test reports as a Markdown table.
func loadTable(reports []*loadtest.Report, ideal float64) string {
	var b strings.Builder
	b.WriteString("| concurrency | jobs | success | jobs/s | % of ideal | audio-s/s | p50 ms | p95 ms | p99 ms | queue wait p50 / p99 ms |\n")
	b.WriteString("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range reports {
		fmt.Fprintf(&b, "| %d | %d | %.1f %% | %.1f | %.0f %% | %.0f | %.0f | %.0f | %.0f | %.0f / %.0f |\n",
			r.Concurrency, r.Jobs, 100*r.SuccessRate, r.JobsPerSec, 100*r.JobsPerSec/ideal, r.AudioSecPerSec,
			r.Latency.P50, r.Latency.P95, r.Latency.P99, r.QueueWait.P50, r.QueueWait.P99)
	}
	return strings.TrimRight(b.String(), "\n")
}

// TestBacklog10k publishes 10,000 jobs at once and lets 3 workers with a
// fast sim window work the backlog down, sampling each worker container's
// memory every 500 ms. Memory is bounded by the pools, not by the
// backlog: every worker stays within its pool bytes + 100 MB. The whole
// drain is sampled and waited for (up to drainTimeout, past which the test
// fails): the exactly-once checks always run on all 10,000 jobs, however
// slow the machine.
func TestBacklog10k(t *testing.T) {
	start := time.Now()
	const (
		jobs  = 10000
		slack = 100 << 20
		// drainTimeout is far above the drain's expected time (the sim
		// ideal is 3 workers × 4 contexts / 10 ms = 1,200 jobs/s, ≈ 10 s;
		// a loaded CI machine has taken 90 s): reaching it means the fleet
		// is stuck, not slow.
		drainTimeout = 10 * time.Minute
	)
	c := NewCluster(t, Options{Workers: 3, AudioSeconds: 2, Env: map[string]string{
		"XDNA_SIM_WINDOW_MS": "10", "XDNA_SIM_CONTEXTS": "4", "ACK_WAIT": "30s",
	}})
	poolBytes := make([]uint64, len(c.Workers))
	baseline := make([]MemStats, len(c.Workers))
	for i := range c.Workers {
		h, err := c.WorkerStats(i)
		if err != nil {
			t.Fatal(err)
		}
		poolBytes[i] = uint64(h.PoolBytes)
		if baseline[i], err = c.MemoryUsage(i); err != nil {
			t.Fatal(err)
		}
	}

	ids := JobIDs("backlog", jobs)
	pubStart := time.Now()
	c.Submit(ids)
	published := time.Since(pubStart)
	t.Logf("published %d jobs in %v", jobs, published.Round(time.Millisecond))

	// Sample memory while the backlog drains.
	peaks := make([]MemStats, len(c.Workers))
	var samples int
	var mu sync.Mutex
	sample := func() {
		var wg sync.WaitGroup
		for i := range c.Workers {
			wg.Go(func() {
				m, err := c.MemoryUsage(i)
				if err != nil {
					return
				}
				mu.Lock()
				defer mu.Unlock()
				p := &peaks[i]
				p.Usage = max(p.Usage, m.Usage)
				p.MaxUsage = max(p.MaxUsage, m.MaxUsage)
				p.WorkingSet = max(p.WorkingSet, m.WorkingSet)
				p.RSS = max(p.RSS, m.RSS)
			})
		}
		wg.Wait()
		samples++
	}
	drainStart := time.Now()
	var done uint64
	for time.Since(drainStart) < drainTimeout {
		sample()
		if done = c.resultsStored(); done >= jobs {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	sample()
	elapsed := time.Since(drainStart)
	done = c.resultsStored()
	if done < jobs {
		t.Errorf("backlog not drained within %v: %d of %d jobs left", drainTimeout, jobs-int(done), jobs)
	}
	rate := float64(done) / elapsed.Seconds()
	t.Logf("%d of %d results after %v (%.0f jobs/s), %d memory samples per worker", done, jobs, elapsed.Round(time.Millisecond), rate, samples)

	var peakLines []string
	for i, w := range c.Workers {
		p, limit := peaks[i], poolBytes[i]+slack
		line := fmt.Sprintf("%s: peak working set %.1f MB (usage %.1f MB incl. page cache, rss %.1f MB, cgroup max_usage %.1f MB; idle %.1f MB) — pools %.1f MB, bound %.1f MB",
			w.ID, mb(p.WorkingSet), mb(p.Usage), mb(p.RSS), mb(p.MaxUsage), mb(baseline[i].WorkingSet), mb(poolBytes[i]), mb(limit))
		t.Log(line)
		peakLines = append(peakLines, line)
		if p.WorkingSet == 0 {
			t.Errorf("%s: no memory sample", w.ID)
		}
		if p.WorkingSet > limit {
			t.Errorf("%s: peak working set %.1f MB exceeds pool bytes + 100 MB = %.1f MB", w.ID, mb(p.WorkingSet), mb(limit))
		}
	}

	// What finished, finished once and well.
	counts := c.ResultCounts()
	dup := 0
	for _, n := range counts {
		if n > 1 {
			dup++
		}
	}
	if dup > 0 {
		t.Errorf("%d jobs have more than one result", dup)
	}
	// Every job, not only those done by some deadline: AwaitResults fails
	// the test for any job without a result.
	res := c.AwaitResults("backlog", jobs, time.Minute)
	c.CheckExactlyOnce(ids, res)
	if s := Summarize(res); s.Failed > 0 {
		t.Errorf("%d jobs failed: %v", s.Failed, s.Failures)
	}
	c.WaitJobsEmpty(30 * time.Second)
	c.CheckDLQEmpty()
	t.Logf("RESULT backlog: %d jobs published in %v; %d done in %v (%.0f jobs/s); %s; test %v",
		jobs, published.Round(time.Millisecond), done, elapsed.Round(time.Millisecond), rate, strings.Join(peakLines, "; "), time.Since(start).Round(time.Second))
}

// stageLine is "name p50, …" over a report's stages, sorted by name.
func stageLine(rep *loadtest.Report) string {
	names := slices.Sorted(maps.Keys(rep.Stages))
	parts := make([]string, 0, len(names))
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s %.0f", n, rep.Stages[n].P50))
	}
	return strings.Join(parts, ", ")
}
