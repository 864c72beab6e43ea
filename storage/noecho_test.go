package storage_test

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/audio"
	"github.com/xdna-worker/xdna-worker/audio/ffmpeg"
	"github.com/xdna-worker/xdna-worker/audio/wav"
	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/pipeline"
)

// marker is what the crafted objects carry where a decoder might quote
// them; it must not appear in any error, as text or as hex.
const marker = "SCRT"

// TestObjectBytesNeverInErrors covers issue 8 ("never echo object bytes in
// errors"): objects whose bytes land where the storage client or a decoder
// used to quote them (a RIFF form type, a chunk id, a Matroska CodecID, an
// MP4 sample entry type) go the way a job's audio goes, S3 → spool →
// decoder, and no error of that path may carry those bytes, nor the size of
// an object over the cap.
func TestObjectBytesNeverInErrors(t *testing.T) {
	t.Parallel()
	_, c, bucket := setup(t)
	ctx := t.Context()

	m4a, err := os.ReadFile(filepath.Join("..", "audio", "mp4", "testdata", "aac-edit.m4a"))
	if err != nil {
		t.Fatal(err)
	}
	objects := map[string][]byte{
		"riff-form":       riff(marker, nil),
		"wav-chunk-id":    riff("WAVE", append([]byte(marker), 0xe8, 0x03, 0, 0, 1, 2, 3)),
		"mkv-codec-plain": matroska("A_" + marker),
		"mkv-codec-known": matroska("A_AAC/" + marker + "\n\x01"),
		"mkv-codec-odd":   matroska("A_\x00" + marker),
		"mp4-sample-type": bytes.Replace(m4a, []byte("mp4a"), []byte(marker), 1),
		"text-document":   []byte("password: " + marker + "\n" + strings.Repeat(marker+" ", 512)),
	}
	var ffOpts []audio.Option
	if path, err := ffmpeg.Find(""); err == nil {
		ffOpts = append(ffOpts, audio.WithFFmpeg(ffmpeg.Config{Path: path, Timeout: time.Minute}))
	} else if os.Getenv("CI") != "" {
		t.Fatalf("no ffmpeg: %v", err)
	}

	for name, data := range objects {
		if err := c.Put(ctx, bucket, name, bytes.NewReader(data), int64(len(data)), ""); err != nil {
			t.Fatalf("Put %s: %v", name, err)
		}
		spool, err := os.CreateTemp(t.TempDir(), "spool")
		if err != nil {
			t.Fatal(err)
		}
		defer spool.Close()
		n, err := c.Fetch(ctx, job.ObjectRef{Bucket: bucket, Key: name}, 1<<20, spool)
		if err != nil {
			t.Fatalf("Fetch %s: %v", name, err)
		}
		for _, withFFmpeg := range []bool{false, true} {
			if withFFmpeg && ffOpts == nil {
				continue
			}
			var opts []audio.Option
			if withFFmpeg {
				opts = ffOpts
			}
			err := decodeAll(t, spool, n, opts...)
			if err == nil {
				if !withFFmpeg {
					t.Errorf("%s: decoded without an error", name)
				}
				continue // ffmpeg may make sense of some
			}
			t.Logf("%s (ffmpeg %v): %v", name, withFFmpeg, err)
			checkNoEcho(t, name, err, []byte(marker))
		}
	}

	// The WAV decoder itself, on a RIFF file that is not WAVE (Open
	// recognises those as another format before it gets there).
	if _, err := wav.NewDecoder(bytes.NewReader(riff(marker, nil))); err == nil {
		t.Error("wav: a RIFF file of another form decoded")
	} else {
		checkNoEcho(t, "wav form type", err, []byte(marker))
	}

	// Over the cap: the error gives the limit, not the object's size.
	big := bytes.Repeat([]byte{0}, 123457)
	if err := c.Put(ctx, bucket, "big", bytes.NewReader(big), int64(len(big)), ""); err != nil {
		t.Fatal(err)
	}
	_, err = c.Fetch(ctx, job.ObjectRef{Bucket: bucket, Key: "big"}, 1000, io.Discard)
	if job.CodeOf(err) != job.CodeAudioTooLarge {
		t.Fatalf("Fetch over the cap: %v; want %s", err, job.CodeAudioTooLarge)
	}
	if strings.Contains(err.Error(), "123457") {
		t.Errorf("the error %q tells the object's size", err)
	}
}

// decodeAll opens the spool as the pipeline does and reads it to the end,
// returning the first error.
func decodeAll(t *testing.T, f *os.File, size int64, opts ...audio.Option) error {
	t.Helper()
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	d, err := pipeline.OpenAudio(t.Context(), f, size, opts...)
	if err != nil {
		return err
	}
	defer d.Close()
	buf := make([]float32, 4096)
	for {
		if _, err := d.Read(buf); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// checkNoEcho fails the test if err's message carries secret as text, as
// Go-quoted text, or as hex.
func checkNoEcho(t *testing.T, what string, err error, secret []byte) {
	t.Helper()
	msg := err.Error()
	for _, form := range []string{
		string(secret),
		strings.Trim(strconv.Quote(string(secret)), `"`),
		hex.EncodeToString(secret),
		strings.ToUpper(hex.EncodeToString(secret)),
	} {
		if strings.Contains(msg, form) {
			t.Errorf("%s: the error %q carries the object's bytes (%s)", what, msg, form)
		}
	}
}

// riff returns a RIFF file of the given form type whose body is body.
func riff(form string, body []byte) []byte {
	b := []byte("RIFF")
	b = binary.LittleEndian.AppendUint32(b, uint32(4+len(body)))
	b = append(b, form...)
	return append(b, body...)
}

// matroska returns a WebM file with one mono 48 kHz audio track of the
// given CodecID and one block.
func matroska(codecID string) []byte {
	el := func(id uint32, data ...[]byte) []byte {
		var b []byte
		for s := 24; s >= 0; s -= 8 {
			if id>>s != 0 {
				b = append(b, byte(id>>s))
			}
		}
		body := bytes.Join(data, nil)
		b = append(b, 0x08) // an 8-byte size
		b = binary.BigEndian.AppendUint64(b[:len(b)-1], uint64(len(body))|1<<56)
		return append(b, body...)
	}
	u := func(v uint64) []byte { return []byte{byte(v)} }
	f := func(v float64) []byte { return binary.BigEndian.AppendUint64(nil, math.Float64bits(v)) }
	header := el(0x1A45DFA3, el(0x4282, []byte("webm")))
	track := el(0xAE,
		el(0xD7, u(1)), el(0x83, u(2)), el(0x86, []byte(codecID)),
		el(0xE1, el(0xB5, f(48000)), el(0x9F, u(1))))
	cluster := el(0x1F43B675, el(0xE7, u(0)), el(0xA3, []byte{0x81, 0, 0, 0x80, 1, 2, 3}))
	return append(header, el(0x18538067, el(0x1654AE6B, track), cluster)...)
}
