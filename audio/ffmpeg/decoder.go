package ffmpeg

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// SampleRate is the rate of the audio ffmpeg is asked for.
const SampleRate = 16000

// ErrTooLong reports that the audio ran past Config.MaxDuration.
var ErrTooLong = errors.New("audio longer than the limit")

// ErrUnrecognised reports that ffmpeg could not tell what the input is (its
// probe found no format). It comes wrapped with pcm.ErrMalformed; a caller
// that did not recognise the input either may call it unsupported.
var ErrUnrecognised = errors.New("ffmpeg does not recognise the format")

// blockFrames is the most samples Next returns at once.
const blockFrames = 4096

// stderrCap bounds how much of ffmpeg's standard error is kept.
const stderrCap = 4 << 10

// demuxers are the only input formats ffmpeg may use: audio containers and
// raw audio streams. Playlists (hls, dash, concat, ...) and image or subtitle
// readers are not among them, so an input cannot make ffmpeg open anything
// but its standard input.
var demuxers = strings.Join([]string{
	"wav", "w64", "rf64", "aiff", "caf", "mov", "mp4", "m4a", "3gp", "3g2", "mj2",
	"mp3", "aac", "loas", "flac", "ogg", "matroska", "webm", "asf", "asf_o", "xwma",
	"amr", "amrnb", "amrwb", "ape", "wv", "au", "tta", "tak", "dsf", "ac3", "eac3",
	"dts", "dtshd", "truehd", "mlp", "mpc", "mpc8", "voc", "gsm", "g722", "g723_1",
	"g729", "avi", "mpeg", "mpegts", "flv", "live_flv", "rm", "shn", "ircam",
	"nistsphere", "qcp", "oma", "nut", "sox", "sln", "alaw", "mulaw", "adp", "spdif",
	"wsaud", "xa", "vqf", "iff", "mmf", "smjpeg", "ilbc", "sbc", "codec2", "bit",
}, ",")

// Args are the arguments ffmpeg runs with for a decode of at most max
// (zero: no limit).
func Args(max time.Duration) []string {
	args := []string{
		"-nostdin", "-hide_banner", "-loglevel", "error", "-threads", "1",
		"-protocol_whitelist", "file", "-format_whitelist", demuxers,
		"-i", "file:/dev/stdin",
		"-map", "0:a:0", "-vn", "-sn", "-dn",
		// Mono at the level of `-ac 1` into 16-bit output (what Whisper
		// is trained on): the down-mix is normalised, not summed.
		"-ac", "1", "-rematrix_maxval", "1.0", "-ar", strconv.Itoa(SampleRate),
	}
	if max > 0 {
		// Let ffmpeg stop a little after the limit by itself; the reader
		// enforces the limit exactly.
		args = append(args, "-t", strconv.FormatFloat((max+time.Second).Seconds(), 'f', 3, 64))
	}
	return append(args, "-f", "f32le", "-c:a", "pcm_f32le", "pipe:1")
}

// Decoder is a running ffmpeg decode; it implements pcm.Decoder and must be
// closed.
type Decoder struct {
	cmd     *exec.Cmd
	job     context.Context // the job's
	ctx     context.Context // the child's: ends with the job, the timeout or Close
	timeout time.Duration
	cancel  context.CancelFunc
	stdout  io.ReadCloser
	stderr  *capped
	limit   int64 // samples allowed, -1 for none
	n       int64 // samples returned so far
	raw     []byte
	buf     []float32
	block   [][]float32
	err     error // sticky
	closeMu sync.Once
}

// Decode starts ffmpeg on in, which must be a regular file positioned at the
// start of the audio (ffmpeg seeks in it, as MP4 files with their index at
// the end need), and returns a decoder of its 16 kHz mono output. The child
// is killed when ctx ends, when the timeout passes, or on Close.
func Decode(ctx context.Context, cfg Config, in *os.File) (*Decoder, error) {
	if cfg.Path == "" {
		return nil, fmt.Errorf("ffmpeg: %w", ErrNotFound)
	}
	var cctx context.Context
	var cancel context.CancelFunc
	if cfg.Timeout > 0 {
		cctx, cancel = context.WithTimeout(ctx, cfg.Timeout)
	} else {
		cctx, cancel = context.WithCancel(ctx)
	}
	cmd := exec.CommandContext(cctx, cfg.Path, Args(cfg.MaxDuration)...)
	cmd.Stdin = in
	cmd.Env = []string{} // nothing of the worker's environment (credentials) reaches the child
	cmd.Dir = os.TempDir()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	d := &Decoder{cmd: cmd, job: ctx, ctx: cctx, timeout: cfg.Timeout, cancel: cancel, stderr: &capped{max: stderrCap}, limit: -1}
	cmd.Stderr = d.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		return nil, fmt.Errorf("ffmpeg: %w", err)
	}
	d.stdout = out
	if err := cmd.Start(); err != nil {
		cancel()
		return nil, fmt.Errorf("ffmpeg: start %s: %w", cfg.Path, err)
	}
	if cfg.MaxDuration > 0 {
		d.limit = int64(cfg.MaxDuration.Seconds() * SampleRate)
	}
	d.raw = make([]byte, 4*blockFrames)
	d.buf = make([]float32, blockFrames)
	d.block = make([][]float32, 1)
	return d, nil
}

// Info describes ffmpeg's output: 16 kHz mono of unknown length.
func (d *Decoder) Info() pcm.Info {
	return pcm.Info{Codec: "ffmpeg", SampleRate: SampleRate, Layout: pcm.LayoutMono, Frames: -1}
}

// Next returns the next block of ffmpeg's output. When ffmpeg exits with an
// error the decode fails with an error wrapping pcm.ErrMalformed (or
// pcm.ErrUnsupported when ffmpeg has no decoder for the stream) that quotes
// the end of its standard error.
func (d *Decoder) Next() ([][]float32, error) {
	if d.err != nil {
		return nil, d.err
	}
	n, err := io.ReadFull(d.stdout, d.raw)
	n -= n % 4
	if n > 0 {
		k := n / 4
		if d.limit >= 0 && d.n+int64(k) > d.limit {
			d.fail(fmt.Errorf("ffmpeg: %w", ErrTooLong))
			return nil, d.err
		}
		d.n += int64(k)
		b := d.buf[:k]
		d.block[0] = b
		for i := range b {
			b[i] = math.Float32frombits(binary.LittleEndian.Uint32(d.raw[4*i:]))
		}
		if err == nil {
			return d.block, nil
		}
		// Short read: the output ended; report the block, the end next.
		d.finish()
		return d.block, nil
	}
	d.finish()
	return nil, d.err
}

// finish waits for ffmpeg and sets the sticky end-of-stream error.
func (d *Decoder) finish() {
	werr := d.wait()
	if werr == nil {
		d.err = io.EOF
		return
	}
	d.err = werr
}

// wait reaps the child and turns its exit into an error.
func (d *Decoder) wait() error {
	err := d.cmd.Wait()
	stopped := d.ctx.Err() // the job ended or the time ran out, before cancel below
	d.cancel()
	if err == nil {
		return nil
	}
	msg := d.stderr.summary()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return fmt.Errorf("ffmpeg: %w", err)
	}
	switch {
	case d.job.Err() != nil:
		return fmt.Errorf("ffmpeg stopped: %w", context.Cause(d.job))
	case stopped != nil:
		return fmt.Errorf("ffmpeg did not finish decoding within FFMPEG_TIMEOUT (%v): %w", d.timeout, pcm.ErrMalformed)
	}
	sentinel := pcm.ErrMalformed
	if strings.Contains(msg, "Decoder (codec") && strings.Contains(msg, "not found") ||
		strings.Contains(msg, "Unsupported codec") || strings.Contains(msg, "does not contain any stream") ||
		strings.Contains(msg, "matches no streams") || strings.Contains(msg, "not on whitelist") {
		sentinel = pcm.ErrUnsupported
	}
	if msg == "" {
		msg = ee.String()
	}
	if sentinel == pcm.ErrMalformed && strings.Contains(msg, "Invalid data found when processing input") {
		return fmt.Errorf("ffmpeg could not decode the audio (%s): %w", msg, errors.Join(ErrUnrecognised, pcm.ErrMalformed))
	}
	return fmt.Errorf("ffmpeg could not decode the audio (%s): %w", msg, sentinel)
}

// fail stops the child and makes err sticky.
func (d *Decoder) fail(err error) {
	d.err = err
	d.Close()
}

// Close kills ffmpeg if it still runs and reaps it. It is safe to call more
// than once and after the end of the stream.
func (d *Decoder) Close() error {
	d.closeMu.Do(func() {
		d.cancel()
		if d.cmd.ProcessState == nil {
			d.cmd.Wait()
		}
	})
	return nil
}

var (
	hexAddr   = regexp.MustCompile(` @ 0x[0-9a-f]+`)
	longQuote = regexp.MustCompile(`'[^']{40,}'`)
)

// capped keeps the first max bytes written to it.
type capped struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (c *capped) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if room := c.max - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// summary is the last lines of what ffmpeg wrote, printable ASCII only,
// without the input's name, at most 300 characters.
func (c *capped) summary() string {
	c.mu.Lock()
	s := c.buf.String()
	c.mu.Unlock()
	s = strings.ReplaceAll(s, "file:/dev/stdin: ", "")
	s = hexAddr.ReplaceAllString(s, "")
	s = longQuote.ReplaceAllString(s, "(list)")
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.Map(func(r rune) rune {
			if r < 0x20 || r > 0x7e {
				return -1
			}
			return r
		}, l)
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > 3 {
		lines = lines[len(lines)-3:]
	}
	out := strings.Join(lines, "; ")
	if len(out) > 300 {
		out = out[:297] + "..."
	}
	return out
}
