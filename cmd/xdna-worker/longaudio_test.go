package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/audio/wav"
	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/pipeline"
	"github.com/xdna-worker/xdna-worker/queue"
)

// longFile is a two-hour file of one format, made in the test.
type longFile struct {
	name string
	make func(t *testing.T, seconds int) []byte
}

// longWAV is a 16 kHz mono 16-bit tone.
func longWAV(t *testing.T, seconds int) []byte {
	var b bytes.Buffer
	if err := wav.Write(&b, pipeline.Tone(float64(seconds), 440), pipeline.SampleRate); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// longMP3 concatenates copies of a tag-less 10 s MP3 (audio/testdata,
// lame -t): every copy starts with an empty bit reservoir, so the whole is
// one valid MPEG audio stream.
func longMP3(t *testing.T, seconds int) []byte {
	seed, err := os.ReadFile(filepath.Join("..", "..", "audio", "testdata", "long-seed.mp3"))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Repeat(seed, seconds*100/1008) // each copy is 10.08 s (lame's padding)
}

// longFLAC repeats the frames of a 4 s FLAC (audio/testdata) after its
// STREAMINFO, whose total sample count is cleared (unknown): FLAC frames
// carry their own parameters, and decoders do not require their numbers
// to be contiguous.
func longFLAC(t *testing.T, seconds int) []byte {
	seed, err := os.ReadFile(filepath.Join("..", "..", "audio", "testdata", "long-seed.flac"))
	if err != nil {
		t.Fatal(err)
	}
	if string(seed[:4]) != "fLaC" || seed[4]&0x7F != 0 {
		t.Fatal("long-seed.flac does not start with STREAMINFO")
	}
	// Skip every metadata block to the first frame.
	off := 4
	for {
		last := seed[off]&0x80 != 0
		n := int(seed[off+1])<<16 | int(seed[off+2])<<8 | int(seed[off+3])
		off += 4 + n
		if last {
			break
		}
	}
	head := bytes.Clone(seed[:4+4+34])
	head[4] |= 0x80 // STREAMINFO is the last block
	si := head[8:]
	si[13] &= 0xF0   // total samples: unknown
	clear(si[14:18]) // (36 bits: low nibble of byte 13, bytes 14-17)
	clear(si[18:34]) // no MD5 signature
	out := head
	for range seconds / 4 {
		out = append(out, seed[off:]...)
	}
	return out
}

// TestTwoHourFilesStayWithinThePoolBound: a worker transcribes two-hour
// files of every pure-Go format, one worker process per format, and its
// peak RSS stays within the same bound as for a two-hour WAV: the pools
// plus 100 MB, whatever the format (decoding streams through fixed buffers
// into the job's spool on disk).
func TestTwoHourFilesStayWithinThePoolBound(t *testing.T) {
	if testing.Short() {
		t.Skip("long audio: skipped with -short")
	}
	const seconds = 2 * 3600
	s := newStack(t)
	files := []longFile{{"wav", longWAV}, {"mp3", longMP3}, {"flac", longFLAC}}
	peaks := map[string]int64{}
	for _, f := range files {
		data := f.make(t, seconds)
		ref := s.upload("long/two-hours."+f.name, data)
		p := s.start(map[string]string{"XDNA_SIM_WINDOW_MS": "0", "MAX_AUDIO_BYTES": "1GiB", "WORKER_ID": "long-" + f.name})
		id := "two-hours-" + f.name
		if err := s.pub.Submit(context.Background(), &job.Job{ID: id, Audio: ref}); err != nil {
			t.Fatal(err)
		}
		res := s.await(id, 5*time.Minute)
		if res.Status != job.StatusSucceeded {
			t.Fatalf("%s: %+v", f.name, res.Error)
		}
		if res.DurationS < seconds-60 || res.DurationS > seconds {
			t.Fatalf("%s: %.1f s of audio, want two hours", f.name, res.DurationS)
		}
		peaks[f.name] = p.peakRSS()
		bound := p.poolBytes() + 100<<20
		t.Logf("%s: %d MB file, decode %d ms, peak RSS %d MiB (bound %d MiB)", f.name, len(data)>>20, res.TimingsMS["decode"], peaks[f.name]>>20, bound>>20)
		if peaks[f.name] > bound {
			t.Errorf("%s: peak RSS %d MiB above the pools + 100 MB (%d MiB)", f.name, peaks[f.name]>>20, bound>>20)
		}
		if err := p.terminate(30 * time.Second); err != nil {
			t.Fatal(err)
		}
	}
	fmt.Fprintf(os.Stderr, "two-hour peak RSS by format (MiB): %v\n", mib(peaks))
}

func mib(m map[string]int64) map[string]int64 {
	out := map[string]int64{}
	for k, v := range m {
		out[k] = v >> 20
	}
	return out
}

// peakRSS is the process's peak resident set (VmHWM), read from /proc.
func (p *proc) peakRSS() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		p.t.Fatalf("read /proc status: %v", err)
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
			var kb int64
			fmt.Sscan(string(v), &kb)
			return kb << 10
		}
	}
	p.t.Fatal("no VmHWM in /proc status")
	return 0
}

// poolBytes is what the worker's pools occupy at capacity (/health).
func (p *proc) poolBytes() int64 {
	return int64(p.health()["pool_bytes"].(float64))
}

// await waits for the result of one job.
func (s *stack) await(id string, timeout time.Duration) *job.Result {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var res *job.Result
	if err := queue.Await(ctx, s.js, s.qc, []string{id}, func(r *job.Result) { res = r }); err != nil {
		s.t.Fatalf("no result for %s: %v", id, err)
	}
	return res
}
