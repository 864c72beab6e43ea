package integration

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go/wait"
)

// TestKillWorkerHoldingJobs kills a worker with SIGKILL while it holds
// unacknowledged jobs. The server redelivers them after ACK_WAIT to the
// surviving workers; every job ends with exactly one result and JOBS
// drains.
func TestKillWorkerHoldingJobs(t *testing.T) {
	start := time.Now()
	c := NewCluster(t, Options{Workers: 3, Env: map[string]string{
		"XDNA_SIM_WINDOW_MS": "300", "XDNA_SIM_CONTEXTS": "4", "ACK_WAIT": "5s", "MAX_DELIVER": "5",
	}})
	ids := JobIDs("kill", 150)
	c.Submit(ids)

	// Wait until w0 holds as many jobs as it has buffer sets, then kill it
	// on the spot.
	h, err := c.WorkerStats(0)
	if err != nil {
		t.Fatal(err)
	}
	var held int
	if !waitFor(20*time.Second, func() bool {
		held, err = c.JobsInFlight(0)
		return err == nil && held >= h.BufferSets
	}) {
		t.Fatalf("w0 never held a full set of %d jobs (last seen %d, %v)", h.BufferSets, held, err)
	}
	ackPending := c.ConsumerInfo().NumAckPending
	killedAt := time.Now()
	c.KillWorker(0)
	t.Logf("killed w0 (SIGKILL) holding %d jobs in flight; consumer ack pending %d", held, ackPending)

	res := c.AwaitResults("kill", len(ids), 2*time.Minute)
	drained := time.Since(killedAt)
	c.CheckExactlyOnce(ids, res)
	c.WaitJobsEmpty(30 * time.Second)
	c.CheckDLQEmpty()

	s := Summarize(res)
	t.Logf("%v", s)
	if s.Failed > 0 {
		t.Errorf("%d jobs failed: %v", s.Failed, s.Failures)
	}
	// The killed worker's jobs came back: at least one result is from a
	// later delivery, from a surviving worker.
	redeliveredElsewhere := 0
	for _, rs := range res {
		if r := rs[0]; r.Attempt > 1 && r.Worker != "w0" {
			redeliveredElsewhere++
		}
	}
	if redeliveredElsewhere == 0 {
		t.Errorf("no job was redelivered to a surviving worker after w0 was killed holding %d", held)
	}
	t.Logf("RESULT kill: killed w0 holding %d jobs (consumer ack pending %d); %d jobs redelivered to survivors; all %d results exactly once, %v after the kill; JOBS empty; DLQ empty; test %v",
		held, ackPending, redeliveredElsewhere, len(ids), drained.Round(time.Millisecond), time.Since(start).Round(time.Second))
}

// TestNATSRestartMidLoad restarts the NATS container (JetStream file store
// on a named volume) twice while jobs are in flight: once with docker stop
// (SIGTERM, a clean shutdown) and once with docker kill (SIGKILL). Workers
// reconnect by themselves, nothing stored is lost, and every job gets
// exactly one result.
func TestNATSRestartMidLoad(t *testing.T) {
	start := time.Now()
	c := NewCluster(t, Options{Workers: 3, Env: map[string]string{
		"XDNA_SIM_WINDOW_MS": "200", "XDNA_SIM_CONTEXTS": "4", "ACK_WAIT": "5s", "MAX_DELIVER": "5",
	}})
	ids := JobIDs("restart", 450)
	c.Submit(ids)

	var notes []string
	for i, hard := range []bool{false, true} {
		c.WaitResultsStored(uint64(len(ids)*(i+1)/3), time.Minute)
		before := c.resultsStored()
		at := time.Now()
		how := "docker stop (SIGTERM)"
		if hard {
			how = "docker kill (SIGKILL)"
			c.KillNATS()
		} else {
			c.StopNATS()
		}
		time.Sleep(3 * time.Second)
		c.StartNATS()
		after := c.resultsStored()
		note := fmt.Sprintf("%s at %d/%d results, back in %v with %d stored", how, before, len(ids), time.Since(at).Round(time.Millisecond), after)
		t.Logf("NATS restarted: %s", note)
		notes = append(notes, note)
		// Persistence: what was stored before the restart is still there.
		if after < before {
			t.Errorf("RESULTS lost messages across the restart: %d before, %d after", before, after)
		}
	}
	res := c.AwaitResults("restart", len(ids), 2*time.Minute)
	c.CheckExactlyOnce(ids, res)
	c.WaitJobsEmpty(30 * time.Second)
	c.CheckDLQEmpty()
	c.WaitWorkersReady(30 * time.Second)

	s := Summarize(res)
	t.Logf("%v", s)
	if s.Failed > 0 {
		t.Errorf("%d jobs failed: %v", s.Failed, s.Failures)
	}
	reconnects := 0
	for i := range c.Workers {
		n := len(c.LogMessages(i, "reconnected"))
		if n < 2 {
			t.Errorf("worker %s logged %d reconnects, want 2", c.Workers[i].ID, n)
		}
		reconnects += n
	}
	t.Logf("RESULT restart: %s; all %d results exactly once; %d worker reconnects (by themselves); %d jobs redelivered (max attempt %d); JOBS empty; DLQ empty; test %v",
		strings.Join(notes, "; "), len(ids), reconnects, s.Redelivered, s.MaxAttempt, time.Since(start).Round(time.Second))
}

// TestMinIOOutage30s stops MinIO for 30 s in the middle of the load. Jobs
// that cannot fetch their audio are retried with back-off
// (RETRY_BACKOFF=2s, doubling; MAX_DELIVER=10) and succeed once MinIO is
// back; nothing is dead-lettered.
func TestMinIOOutage30s(t *testing.T) {
	start := time.Now()
	c := NewCluster(t, Options{Workers: 3, Env: map[string]string{
		"XDNA_SIM_WINDOW_MS": "200", "XDNA_SIM_CONTEXTS": "4", "ACK_WAIT": "10s",
		"RETRY_BACKOFF": "2s", "MAX_DELIVER": "10",
	}})
	ids := JobIDs("outage", 300)
	c.Submit(ids)

	c.WaitResultsStored(uint64(len(ids)/4), time.Minute)
	before := c.resultsStored()
	c.StopMinIO()
	stoppedAt := time.Now()
	time.Sleep(30 * time.Second)
	during := c.resultsStored()
	c.StartMinIO()
	t.Logf("MinIO down for %v; results stored: %d before, %d at the end of the outage",
		time.Since(stoppedAt).Round(time.Millisecond), before, during)

	res := c.AwaitResults("outage", len(ids), 4*time.Minute)
	drained := time.Since(stoppedAt)
	c.CheckExactlyOnce(ids, res)
	c.WaitJobsEmpty(30 * time.Second)
	c.CheckDLQEmpty()

	s := Summarize(res)
	t.Logf("%v", s)
	if s.Failed > 0 {
		t.Errorf("%d jobs failed: %v", s.Failed, s.Failures)
	}
	if s.Redelivered == 0 {
		t.Error("no job was retried during the outage")
	}
	// The retries backed off: RETRY_BACKOFF doubling per attempt, with full
	// jitter (a delay anywhere in [0, ceiling]), so the delays are spread.
	retries := 0
	delays := map[time.Duration]int{}
	for i := range c.Workers {
		for _, m := range c.LogMessages(i, "will retry") {
			retries++
			if ns, ok := m["retry_in"].(float64); ok {
				delays[time.Duration(ns)]++
			}
		}
	}
	var longest time.Duration
	for d := range delays {
		longest = max(longest, d)
		if d < 0 || d > 2*time.Minute {
			t.Errorf("retry delay %v outside [0, 2m]", d)
		}
	}
	if retries > 10 && len(delays) < retries/2 {
		t.Errorf("%d retries with only %d distinct delays: the workers retry in lockstep", retries, len(delays))
	}
	if longest < 8*time.Second {
		t.Errorf("longest retry delay %v: the back-off did not double through a 30 s outage (delays %v)", longest, delays)
	}
	t.Logf("RESULT outage: MinIO stopped 30 s at %d/%d results; %d failed attempts nak'd with back-off (delays %v); %d jobs needed more than one attempt (max attempt %d); all %d succeeded exactly once, %v after the stop; DLQ empty; test %v",
		before, len(ids), retries, delays, s.Redelivered, s.MaxAttempt, len(ids), drained.Round(time.Millisecond), time.Since(start).Round(time.Second))
}

// TestPartitionedWorkerLateResults cuts a worker holding jobs off the
// network for longer than ACK_WAIT. Its jobs are redelivered to the others
// and complete; when it is reconnected it finishes its own copies and tries
// to publish them, and RESULTS refuses every late duplicate.
func TestPartitionedWorkerLateResults(t *testing.T) {
	start := time.Now()
	const slowWindow = 15 * time.Second
	c := NewCluster(t, Options{Workers: 3,
		Env: map[string]string{"XDNA_SIM_WINDOW_MS": "300", "XDNA_SIM_CONTEXTS": "4", "ACK_WAIT": "5s", "MAX_DELIVER": "5"},
		// w0 encodes slowly, so that it is still busy with the jobs it
		// holds when the partition heals.
		WorkerEnv: func(i int) map[string]string {
			if i == 0 {
				return map[string]string{"XDNA_SIM_WINDOW_MS": "15000"}
			}
			return nil
		},
	})
	ids := JobIDs("partition", 80)
	c.Submit(ids)

	h, err := c.WorkerStats(0)
	if err != nil {
		t.Fatal(err)
	}
	var held int
	if !waitFor(20*time.Second, func() bool {
		held, err = c.JobsInFlight(0)
		return err == nil && held >= h.BufferSets
	}) {
		t.Fatalf("w0 never held a full set of %d jobs (last seen %d, %v)", h.BufferSets, held, err)
	}
	c.DisconnectWorker(0)
	cutAt := time.Now()
	t.Logf("w0 disconnected from the network holding %d jobs", held)

	// The others finish everything, w0's jobs included after ACK_WAIT.
	res := c.AwaitResults("partition", len(ids), time.Minute)
	allDone := time.Since(cutAt)
	for id, rs := range res {
		if rs[0].Worker == "w0" {
			t.Errorf("job %s has a result from the partitioned w0", id)
		}
	}
	// w0's last heartbeat (every ACK_WAIT/3) may precede the cut by up to
	// 1.67 s, so its jobs come back from 5 s - 1.67 s after it.
	if allDone < 3*time.Second {
		t.Errorf("all results within %v of the partition: w0's jobs cannot have waited out ACK_WAIT", allDone)
	}
	if allDone > slowWindow-3*time.Second {
		t.Logf("warning: the others took %v; w0 may have finished its jobs before the partition healed", allDone)
	}
	// Keep the partition up well past ACK_WAIT.
	if d := 8*time.Second - time.Since(cutAt); d > 0 {
		time.Sleep(d)
	}
	ip, sameIP := c.ConnectWorker(0)
	partitioned := time.Since(cutAt)
	t.Logf("w0 reconnected after %v (address %s, same as before: %v); all results were in %v after the cut",
		partitioned.Round(time.Millisecond), ip, sameIP, allDone.Round(time.Millisecond))
	if !sameIP {
		// Its stalled TCP connections cannot resume: that is the case of
		// TestPartitionedWorkerNewAddress, not this one.
		t.Fatalf("docker gave w0 a new address %s (was %s) on reconnecting", ip, c.Workers[0].ip)
	}

	// w0 finishes its copies and tries to publish them: each is refused as
	// a duplicate.
	var dups, unpublished int
	ok := waitFor(slowWindow+30*time.Second, func() bool {
		dups = len(c.LogMessages(0, "duplicate suppressed"))
		unpublished = len(c.LogMessages(0, "result not published"))
		return dups+unpublished >= held
	})
	if !ok {
		t.Errorf("w0 reported %d duplicate and %d unpublished results for the %d jobs it held", dups, unpublished, held)
	}
	if dups == 0 {
		t.Errorf("w0 never saw its late results refused as duplicates (%d unpublished)", unpublished)
	}
	// Each job w0 finished late has its one result from another worker.
	late := c.LogMessages(0, "duplicate suppressed")
	// w0 is healthy again and holds nothing.
	if !waitFor(30*time.Second, func() bool {
		n, err := c.JobsInFlight(0)
		return err == nil && n == 0 && c.WorkerReady(0) == nil
	}) {
		n, err := c.JobsInFlight(0)
		t.Errorf("w0 after the partition: %d jobs in flight (%v), ready: %v", n, err, c.WorkerReady(0))
	}

	res = c.AwaitResults("partition", len(ids), 30*time.Second)
	c.CheckExactlyOnce(ids, res)
	for _, m := range late {
		id, _ := m["job_id"].(string)
		if rs := res[id]; len(rs) != 1 || rs[0].Worker == "w0" || rs[0].Attempt < 2 {
			t.Errorf("job %s, finished late by w0: want one result from a redelivery to another worker, got %+v", id, rs)
		}
	}
	c.WaitJobsEmpty(30 * time.Second)
	c.CheckDLQEmpty()
	s := Summarize(res)
	t.Logf("%v", s)
	if s.Failed > 0 {
		t.Errorf("%d jobs failed: %v", s.Failed, s.Failures)
	}
	t.Logf("RESULT partition: w0 cut off %v holding %d jobs (ACK_WAIT 5s); the others finished all %d in %v; w0 back on its old address: %v; its late publishes: %d refused as duplicates, %d gave up; RESULTS exactly one per job; test %v",
		partitioned.Round(time.Millisecond), held, len(ids), allDone.Round(time.Millisecond), sameIP, dups, unpublished, time.Since(start).Round(time.Second))
}

// TestPartitionedWorkerNewAddress partitions an idle worker and lets it
// rejoin the network on a different address (a bystander container takes its
// old one, as happens when a host's address changes or a NAT mapping
// expires). Its TCP connection to NATS is then dead without a reset. The
// worker must notice within a minute — reconnect, or at least stop
// reporting ready — and take jobs again.
//
// With nats.go's default pings (every 2 min, 2 outstanding) the worker stayed
// a ready zombie for 4-6 minutes; queue.Connect now pings every 15 s and
// gives up after 3 missed pongs.
func TestPartitionedWorkerNewAddress(t *testing.T) {
	c := NewCluster(t, Options{Workers: 2, Env: map[string]string{"XDNA_SIM_WINDOW_MS": "100"}})
	c.DisconnectWorker(0)
	// A bystander takes the lowest free address: w0's old one.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := c.runContainer(ctx, "bystander", natsImage, []string{"bystander"}, nil, []string{natsMonitorPort}, nil,
		wait.ForHTTP("/healthz").WithPort(natsMonitorPort)); err != nil {
		t.Fatal(err)
	}
	ip, same := c.ConnectWorker(0)
	if same {
		t.Fatalf("w0 got its old address %s back; the bystander did not take it", ip)
	}
	rejoined := time.Now()
	t.Logf("w0 rejoined on %s", ip)

	noticed := waitFor(time.Minute, func() bool {
		return len(c.LogMessages(0, "reconnected")) > 0 || c.WorkerReady(0) != nil
	})
	if !noticed {
		t.Errorf("w0 still reports ready on its dead NATS connection %v after rejoining with a new address", time.Since(rejoined).Round(time.Second))
	}
	// Once reconnected, w0 works again.
	ids := JobIDs("newaddr", 60)
	c.Submit(ids)
	res := c.AwaitResults("newaddr", len(ids), time.Minute)
	c.CheckExactlyOnce(ids, res)
	if s := Summarize(res); s.ByWorker["w0"] == 0 {
		t.Errorf("w0 took none of %d jobs after rejoining: %v", len(ids), s)
	}
}
