package ffmpeg

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// program returns the ffmpeg on PATH; the tests skip without one, except
// under CI, which installs it.
func program(t *testing.T) string {
	t.Helper()
	p, err := Find("")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must install ffmpeg: %v", err)
		}
		t.Skip("no ffmpeg on PATH")
	}
	return p
}

// file writes b to a temp file and returns it open at its start.
func file(t *testing.T, b []byte) *os.File {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), "in"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Seek(0, 0); err != nil {
		t.Fatal(err)
	}
	return f
}

// stereoWAV is a 16-bit stereo WAV at rate: left a tone at amp, right silent.
func stereoWAV(rate int, seconds, amp float64) []byte {
	n := int(seconds * float64(rate))
	var data []byte
	for i := range n {
		v := int16(math.Round(amp * 32767 * math.Sin(2*math.Pi*440*float64(i)/float64(rate))))
		data = binary.LittleEndian.AppendUint16(data, uint16(v))
		data = binary.LittleEndian.AppendUint16(data, 0)
	}
	h := []byte("RIFF\x00\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x02\x00")
	h = binary.LittleEndian.AppendUint32(h, uint32(rate))
	h = binary.LittleEndian.AppendUint32(h, uint32(rate*4))
	h = append(h, 4, 0, 16, 0)
	h = append(h, "data"...)
	h = binary.LittleEndian.AppendUint32(h, uint32(len(data)))
	return append(h, data...)
}

func drain(t *testing.T, d *Decoder) ([]float32, error) {
	t.Helper()
	var out []float32
	for {
		b, err := d.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return out, err
		}
		out = append(out, b[0]...)
	}
}

func TestDecodeResamplesAndDownmixes(t *testing.T) {
	cfg := Config{Path: program(t), Timeout: time.Minute}
	d, err := Decode(context.Background(), cfg, file(t, stereoWAV(44100, 2, 0.8)))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if i := d.Info(); i.SampleRate != 16000 || i.Channels() != 1 {
		t.Fatalf("info %+v", i)
	}
	got, err := drain(t, d)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) < 31900 || len(got) > 32100 {
		t.Fatalf("%d samples for 2 s at 16 kHz", len(got))
	}
	peak := float32(0)
	for _, v := range got[1000 : len(got)-1000] {
		peak = max(peak, v, -v)
	}
	// Left at 0.8, right silent: ffmpeg's normalised mono is 0.4.
	if peak < 0.38 || peak > 0.42 {
		t.Fatalf("peak %.3f, want 0.4 (the 16-bit level of `ffmpeg -ac 1`)", peak)
	}
}

func TestDecodeGarbageIsMalformedWithoutEchoingIt(t *testing.T) {
	cfg := Config{Path: program(t), Timeout: time.Minute}
	junk := bytes.Repeat([]byte("secret-token-42 "), 512)
	d, err := Decode(context.Background(), cfg, file(t, junk))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	_, err = drain(t, d)
	if !errors.Is(err, pcm.ErrMalformed) && !errors.Is(err, pcm.ErrUnsupported) {
		t.Fatalf("error %v, want a decode error", err)
	}
	if strings.Contains(err.Error(), "secret") {
		t.Fatalf("error echoes the input: %v", err)
	}
	t.Log(err)
}

// TestDecodeCannotReadOtherFiles gives ffmpeg a playlist naming another
// file: the demuxer whitelist refuses it, so nothing of the other file is
// decoded.
func TestDecodeCannotReadOtherFiles(t *testing.T) {
	cfg := Config{Path: program(t), Timeout: time.Minute}
	other := filepath.Join(t.TempDir(), "other-tenant.wav")
	if err := os.WriteFile(other, stereoWAV(16000, 1, 0.5), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string]string{
		"hls":    "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile://" + other + "\n#EXT-X-ENDLIST\n",
		"concat": "ffconcat version 1.0\nfile '" + other + "'\n",
	} {
		t.Run(name, func(t *testing.T) {
			d, err := Decode(context.Background(), cfg, file(t, []byte(in)))
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			got, err := drain(t, d)
			if err == nil || len(got) > 0 {
				t.Fatalf("decoded %d samples through a %s file (err %v)", len(got), name, err)
			}
			t.Log(err)
		})
	}
}

func TestDecodeStopsPastMaxDuration(t *testing.T) {
	cfg := Config{Path: program(t), Timeout: time.Minute, MaxDuration: time.Second}
	d, err := Decode(context.Background(), cfg, file(t, stereoWAV(8000, 5, 0.5)))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	got, err := drain(t, d)
	if !errors.Is(err, ErrTooLong) {
		t.Fatalf("error %v after %d samples, want ErrTooLong", err, len(got))
	}
	if len(got) > 16000 {
		t.Fatalf("%d samples returned past the 1 s limit", len(got))
	}
}

func TestDecodeIsKilledWithItsJob(t *testing.T) {
	cfg := Config{Path: program(t)}
	ctx, cancel := context.WithCancel(context.Background())
	d, err := Decode(ctx, cfg, file(t, stereoWAV(48000, 10, 0.5)))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Next(); err != nil {
		t.Fatal(err)
	}
	pid := d.cmd.Process.Pid
	cancel()
	start := time.Now()
	_, err = drain(t, d)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want the job's cancellation", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("took %v to stop", time.Since(start))
	}
	if _, err := os.Stat(filepath.Join("/proc", itoa(pid))); err == nil {
		t.Fatalf("ffmpeg (pid %d) still exists", pid)
	}
}

func TestDecodeTimeout(t *testing.T) {
	cfg := Config{Path: program(t), Timeout: 50 * time.Millisecond}
	d, err := Decode(context.Background(), cfg, file(t, stereoWAV(48000, 10, 0.5)))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	// Not reading makes ffmpeg block on a full pipe, past its limit.
	time.Sleep(300 * time.Millisecond)
	_, err = drain(t, d)
	if !errors.Is(err, pcm.ErrMalformed) || !strings.Contains(err.Error(), "FFMPEG_TIMEOUT") {
		t.Fatalf("error %v, want the wall-clock limit", err)
	}
}

func TestCloseBeforeTheEnd(t *testing.T) {
	cfg := Config{Path: program(t)}
	d, err := Decode(context.Background(), cfg, file(t, stereoWAV(48000, 10, 0.5)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Next(); err != nil {
		t.Fatal(err)
	}
	pid := d.cmd.Process.Pid
	d.Close()
	d.Close()
	if _, err := os.Stat(filepath.Join("/proc", itoa(pid))); err == nil {
		t.Fatalf("ffmpeg (pid %d) survives Close", pid)
	}
}

func TestFind(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if _, err := Find(""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Find with an empty PATH: %v", err)
	}
	if _, err := Find("/nonexistent/ffmpeg"); err == nil || !strings.Contains(err.Error(), "FFMPEG_PATH") {
		t.Fatalf("Find of a missing FFMPEG_PATH: %v", err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestChildHasNoEnvironment checks that the worker's secrets do not reach
// ffmpeg: its environment is empty.
func TestChildHasNoEnvironment(t *testing.T) {
	cfg := Config{Path: program(t)}
	t.Setenv("S3_SECRET_KEY", "hunter2")
	d, err := Decode(context.Background(), cfg, file(t, stereoWAV(48000, 10, 0.5)))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	env, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(d.cmd.Process.Pid), "environ"))
	if err != nil {
		t.Skipf("cannot read the child's environment: %v", err)
	}
	if len(env) != 0 {
		t.Fatalf("ffmpeg runs with an environment of %d bytes", len(env))
	}
}

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
