package mp3

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"slices"
	"testing"
	"testing/iotest"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// maxTestSamples caps what a decode of a damaged file may return, so that
// a decoder that loops without end fails instead of hanging.
const maxTestSamples = 1 << 22

// decodeAll decodes data to its end and returns the samples of channel 0
// and the error that ended the decode (nil at io.EOF). A panic is
// returned as an error that is neither malformed nor unsupported.
func decodeAll(data []byte) (out []float32, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	dec, err := NewDecoder(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	for {
		b, err := dec.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if len(b) != dec.Info().Channels() {
			return out, fmt.Errorf("block of %d channels", len(b))
		}
		out = append(out, b[0]...)
		if len(out) > maxTestSamples {
			return out, errors.New("decoder does not stop")
		}
	}
}

// frameEnds returns the input offset after each frame of data, as the
// framer splits it.
func frameEnds(t *testing.T, data []byte) (ends []int64) {
	t.Helper()
	var f framer
	f.src.r = bytes.NewReader(data)
	if err := f.lockOn(); err != nil {
		t.Fatal(err)
	}
	for {
		_, _, err := f.next()
		if errors.Is(err, io.EOF) {
			return ends
		}
		if err != nil {
			t.Fatal(err)
		}
		ends = append(ends, f.src.offset)
	}
}

// TestTruncatedInput cuts every fixture at many offsets: the decode must
// end with ErrMalformed, or end cleanly only where the cut falls on a frame
// boundary or after the last frame (in the tags), and then with a prefix
// of the whole decode.
func TestTruncatedInput(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.name, func(t *testing.T) {
			data := audiotest.ReadFixture(t, fx.name)
			full, err := decodeAll(data)
			if err != nil {
				t.Fatal(err)
			}
			ends := frameEnds(t, data)
			boundary := map[int]bool{}
			for _, e := range ends {
				boundary[int(e)] = true
			}
			last := int(ends[len(ends)-1])
			// Cuts at 40 offsets spread over the file, and around every
			// sixth frame boundary and the last one.
			cuts := map[int]bool{}
			for c := 0; c < len(data); c += max(1, len(data)/40) {
				cuts[c] = true
			}
			for i, e := range ends {
				if i%6 == 0 || i == len(ends)-1 {
					for _, d := range []int{-3, -1, 0, 1, 2} {
						cuts[int(e)+d] = true
					}
				}
			}
			clean := 0
			for c := range cuts {
				if c < 0 || c >= len(data) {
					continue
				}
				got, err := decodeAll(data[:c])
				switch {
				case err == nil && !boundary[c] && c < last:
					t.Errorf("cut at %d (not a frame boundary): decoded %d samples without error", c, len(got))
				case err == nil:
					clean++
					if len(got) > len(full) || !slices.Equal(got, full[:len(got)]) {
						t.Errorf("cut at %d: the %d samples decoded are not a prefix of the whole decode", c, len(got))
					}
				case !errors.Is(err, pcm.ErrMalformed):
					t.Errorf("cut at %d: %v, want ErrMalformed", c, err)
				}
			}
			if clean == 0 {
				t.Errorf("no cut decoded cleanly")
			}
		})
	}
}

// TestCorruptInput flips bytes at many offsets of every fixture: the
// decode ends cleanly or with ErrMalformed, and never panics or runs away.
func TestCorruptInput(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, fx := range fixtures {
		t.Run(fx.name, func(t *testing.T) {
			data := audiotest.ReadFixture(t, fx.name)
			buf := make([]byte, len(data))
			for i := range 100 {
				copy(buf, data)
				n := 1 + i%4
				for range n {
					buf[rng.Intn(len(buf))] ^= byte(1 + rng.Intn(255))
				}
				_, err := decodeAll(buf)
				if err != nil && !errors.Is(err, pcm.ErrMalformed) {
					t.Errorf("corruption %d: %v, want ErrMalformed or a decode", i, err)
				}
			}
		})
	}
}

// withID3v2 returns data behind an ID3v2 tag of the given version, flags
// and body.
func withID3v2(version, flags byte, body []byte, footer bool, data []byte) []byte {
	n := len(body)
	tag := []byte{'I', 'D', '3', version, 0, flags, byte(n >> 21 & 127), byte(n >> 14 & 127), byte(n >> 7 & 127), byte(n & 127)}
	tag = append(tag, body...)
	if footer {
		tag = append(tag, '3', 'D', 'I', version, 0, flags, tag[6], tag[7], tag[8], tag[9])
	}
	return append(tag, data...)
}

// TestTags checks that tags around and between the frames are skipped and
// never decoded: ID3v2.2-2.4 at the start (with a footer, and two in a
// row), ID3v2 between two streams, and junk or tags at the end.
func TestTags(t *testing.T) {
	base := audiotest.ReadFixture(t, "notag_32k_stereo.mp3")
	want, err := decodeAll(base)
	if err != nil {
		t.Fatal(err)
	}
	body := bytes.Repeat([]byte("TIT2\x00\x00\x00\x05\x00\x00\x00abcd"), 40)
	cases := map[string][]byte{
		"ID3v2.2":             withID3v2(2, 0, body, false, base),
		"ID3v2.3":             withID3v2(3, 0, body, false, base),
		"ID3v2.4 footer":      withID3v2(4, 0x10, body, true, base),
		"two ID3v2":           withID3v2(3, 0, body, false, withID3v2(4, 0, body, false, base)),
		"empty ID3v2":         withID3v2(3, 0, nil, false, base),
		"ID3v1":               append(append([]byte{}, base...), append([]byte("TAG"), make([]byte, 125)...)...),
		"cut ID3v1":           append(append([]byte{}, base...), []byte("TAGabc")...),
		"trailing zeros":      append(append([]byte{}, base...), make([]byte, 1000)...),
		"trailing junk":       append(append([]byte{}, base...), []byte("this is not audio")...),
		"APE footer only":     append(append([]byte{}, base...), append([]byte("APETAGEX\xd0\x07\x00\x00\x20\x00\x00\x00"), make([]byte, 16)...)...),
		"APE lying size":      append(append([]byte{}, base...), append([]byte("APETAGEX\xd0\x07\x00\x00\xff\xff\xff\x7f\x00\x00\x00\x00\x00\x00\x00\xa0"), make([]byte, 40)...)...),
		"Lyrics3 v1":          append(append([]byte{}, base...), []byte("LYRICSBEGINla la la\nLYRICSEND")...),
		"Lyrics3 v2 lying":    append(append([]byte{}, base...), []byte("LYRICSBEGININD99999")...),
		"zero padding before": append(make([]byte, 500), base...),
	}
	for name, data := range cases {
		got, err := decodeAll(data)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: %d samples, want the %d of the file alone", name, len(got), len(want))
		}
	}

	// Two files joined by an ID3v2 tag decode to both files' frames (the
	// second one's Xing frame being silent audio, as ffmpeg has it).
	a := audiotest.ReadFixture(t, "mpeg2_22k_mono.mp3")
	joined := append(append([]byte{}, a...), withID3v2(3, 0, body, false, a)...)
	one, _ := decodeAll(a)
	got, err := decodeAll(joined)
	if err != nil || len(got) != 2*len(one) {
		t.Errorf("two files joined by an ID3v2 tag: %d samples, %v; want %d", len(got), err, 2*len(one))
	}
}

// TestLyingHeaders feeds headers whose sizes and counts are absurd: the
// decoder rejects them as malformed, or decodes, without allocating by
// the claims.
func TestLyingHeaders(t *testing.T) {
	base := audiotest.ReadFixture(t, "cbr128_44k_joint.mp3")
	huge := []byte{'I', 'D', '3', 4, 0, 0, 0x7F, 0x7F, 0x7F, 0x7F}
	var err error
	a := audiotest.Allocated(func() { _, err = decodeAll(append(huge, base...)) })
	if !errors.Is(err, pcm.ErrMalformed) {
		t.Errorf("ID3v2 tag of 256 MiB in a short file: %v, want ErrMalformed", err)
	}
	if a > 1<<20 {
		t.Errorf("ID3v2 tag of 256 MiB: allocated %d bytes", a)
	}

	// Xing frame count and LAME delay and padding at their maxima.
	lie := append([]byte{}, base...)
	copy(lie[44:], []byte{0xFF, 0xFF, 0xFF, 0xFF})
	dec, err := NewDecoder(bytes.NewReader(lie))
	if err != nil {
		t.Fatal(err)
	}
	if f := dec.Info().Frames; f != 0xFFFFFFFF*1152-576-612 {
		t.Errorf("Frames %d from a Xing count of 2^32-1", f)
	}
	if _, err := decodeAll(lie); err != nil {
		t.Errorf("Xing count of 2^32-1: %v", err)
	}
	i := bytes.Index(base, []byte("LAME"))
	lie = append([]byte{}, base...)
	copy(lie[i+21:], []byte{0xFF, 0xFF, 0xFF})
	got, err := decodeAll(lie)
	if err != nil || len(got) != 24*1152-4095-4095 {
		t.Errorf("LAME delay and padding of 4095: %d samples, %v", len(got), err)
	}

	// big_values above 288 (the side information after the header of the
	// first audio frame at 417; bits 21-29 of granule 0).
	lie = append([]byte{}, base...)
	lie[417+4+2] |= 0x07
	lie[417+4+3] = 0xFF
	if _, err := decodeAll(lie); !errors.Is(err, pcm.ErrMalformed) {
		t.Errorf("big_values > 288: %v, want ErrMalformed", err)
	}
}

// TestUnsupported checks the streams that are not decoded.
func TestUnsupported(t *testing.T) {
	// MPEG-1 Layer I: three frames of 32 kbit/s at 44.1 kHz.
	var layer1 []byte
	for range 3 {
		f := make([]byte, (12*32000/44100)*4)
		copy(f, []byte{0xFF, 0xFF, 0x10, 0xC0})
		layer1 = append(layer1, f...)
	}
	for name, data := range map[string][]byte{
		"layer I":     layer1,
		"layer II":    audiotest.ReadFixture(t, "layer2_32k.mp2"),
		"free format": audiotest.ReadFixture(t, "freeformat_44k.bin"),
	} {
		_, err := NewDecoder(bytes.NewReader(data))
		if !errors.Is(err, pcm.ErrUnsupported) {
			t.Errorf("%s: %v, want ErrUnsupported", name, err)
		}
	}
	for name, data := range map[string][]byte{
		"empty":      nil,
		"not audio":  bytes.Repeat([]byte("RIFF but not really"), 5000),
		"one header": {0xFF, 0xFB, 0x90, 0x44},
		"ID3 only":   withID3v2(3, 0, []byte("TIT2"), false, nil),
	} {
		_, err := NewDecoder(bytes.NewReader(data))
		if !errors.Is(err, pcm.ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
}

// TestReaderErrors checks that the reader's errors come through wrapped,
// not as malformed audio, and that a slow reader gives the same samples.
func TestReaderErrors(t *testing.T) {
	data := audiotest.ReadFixture(t, "vbr_v5_48k_stereo.mp3")
	want, err := decodeAll(data)
	if err != nil {
		t.Fatal(err)
	}
	disk := errors.New("disk on fire")
	for _, n := range []int{0, 3, 500, 5000} {
		r := io.MultiReader(bytes.NewReader(data[:n]), iotest.ErrReader(disk))
		dec, err := NewDecoder(r)
		for err == nil {
			_, err = dec.Next()
		}
		if !errors.Is(err, disk) || errors.Is(err, pcm.ErrMalformed) {
			t.Errorf("reader failing after %d bytes: %v, want the reader's error", n, err)
		}
	}
	dec, err := NewDecoder(iotest.OneByteReader(iotest.HalfReader(bytes.NewReader(data))))
	if err != nil {
		t.Fatal(err)
	}
	var got []float32
	for {
		b, err := dec.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, b[0]...)
	}
	if !slices.Equal(got, want) {
		t.Errorf("one byte at a time: %d samples, want %d", len(got), len(want))
	}
}

// TestBlockTypesCovered checks that the fixtures exercise every block
// type the encoder produces: long, start, short and stop.
func TestBlockTypesCovered(t *testing.T) {
	var total [5]int
	for _, fx := range fixtures {
		dec, err := NewDecoder(bytes.NewReader(audiotest.ReadFixture(t, fx.name)))
		if err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := dec.Next(); err != nil {
				break
			}
		}
		for i, n := range dec.l3.blockTypes {
			total[i] += n
		}
	}
	for bt := range 4 {
		if total[bt] == 0 {
			t.Errorf("no granule of block type %d in the fixtures (%v)", bt, total)
		}
	}
	t.Logf("granules by block type (normal, start, short, stop, mixed): %v", total)
}

// TestResync checks junk between frames: skipped when a frame follows
// within maxJunk bytes, malformed when none does.
func TestResync(t *testing.T) {
	a := audiotest.ReadFixture(t, "notag_32k_stereo.mp3")
	one, err := decodeAll(a)
	if err != nil {
		t.Fatal(err)
	}
	junk := bytes.Repeat([]byte{0xFF, 0x00, 'j', 'u', 'n', 'k'}, 200)
	got, err := decodeAll(append(append(append([]byte{}, a...), junk...), a...))
	if err != nil || len(got) != 2*len(one) {
		t.Errorf("1200 bytes of junk between two streams: %d samples, %v; want %d", len(got), err, 2*len(one))
	}
	long := bytes.Repeat(junk, maxJunk/len(junk)+2)
	_, err = decodeAll(append(append(append([]byte{}, a...), long...), a...))
	if !errors.Is(err, pcm.ErrMalformed) {
		t.Errorf("%d bytes of junk between two streams: %v, want ErrMalformed", len(long), err)
	}
	// A frame of another stream (mono, 22.05 kHz) in the middle is junk.
	b := audiotest.ReadFixture(t, "mpeg2_22k_mono.mp3")
	got, err = decodeAll(append(append(append([]byte{}, a...), b[:200]...), a...))
	if err != nil || len(got) != 2*len(one) {
		t.Errorf("a frame of another stream between two: %d samples, %v; want %d", len(got), err, 2*len(one))
	}
}
