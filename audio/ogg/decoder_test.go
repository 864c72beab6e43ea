package ogg

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// minSNR is the accuracy bound against ffmpeg's native Vorbis decoder, in
// dB per channel (see audio/vorbis for the codec's own fixtures).
const minSNR = 90

// containerFixtures are the files testdata/make.sh writes that decode.
var containerFixtures = []struct {
	name     string
	rate     int
	channels int
	frames   int64 // Info.Frames: -1 for the chain, whose length the end does not tell
}{
	{"chained.ogg", 22050, 1, -1},
	{"with-video.ogg", 22050, 1, 15616},
	{"big-comment.ogg", 11025, 1, 6656},
	{"one-page.ogg", 8000, 1, 2304},
}

// decode decodes a whole file from memory.
func decode(data []byte) (pcm.Info, [][]float32, error) {
	dec, err := NewDecoder(bytes.NewReader(data))
	if err != nil {
		return pcm.Info{}, nil, err
	}
	out, err := audiotest.Drain(dec)
	return dec.Info(), out, err
}

func TestContainerFixturesMatchFFmpeg(t *testing.T) {
	for _, fx := range containerFixtures {
		t.Run(fx.name, func(t *testing.T) {
			path := filepath.Join("testdata", fx.name)
			info, got, err := decode(audiotest.ReadFile(t, path))
			if err != nil {
				t.Fatal(err)
			}
			if info.Codec != "ogg/vorbis" || info.SampleRate != fx.rate || info.Channels() != fx.channels || info.Frames != fx.frames {
				t.Errorf("Info %+v, want %d Hz, %d channels, %d frames", info, fx.rate, fx.channels, fx.frames)
			}
			ref := audiotest.ReadRef(t, path+".s16le.gz", fx.channels)
			if len(got[0]) != ref.Frames() {
				t.Errorf("%d frames, ffmpeg %d", len(got[0]), ref.Frames())
			}
			if info.Frames >= 0 && info.Frames != int64(len(got[0])) {
				t.Errorf("Info.Frames %d, decoded %d", info.Frames, len(got[0]))
			}
			audiotest.CheckSNR(t, ref, got, minSNR)
		})
	}
}

// TestFramesMatchOutput: Info.Frames, from the last page, equals the
// number of frames decoded, for every fixture of both packages.
func TestFramesMatchOutput(t *testing.T) {
	files, _ := filepath.Glob("../vorbis/testdata/q*.ogg")
	files = append(files, "testdata/with-video.ogg", "testdata/big-comment.ogg", "testdata/one-page.ogg")
	for _, f := range files {
		info, got, err := decode(audiotest.ReadFile(t, f))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if info.Frames != int64(len(got[0])) {
			t.Errorf("%s: Info.Frames %d, decoded %d", f, info.Frames, len(got[0]))
		}
	}
}

// rewritePages applies f to every page of data (header fields decoded in
// h, body and lacing as they are) and fixes the CRCs.
func rewritePages(t testing.TB, data []byte, f func(h *pageHeader, page []byte) []byte) []byte {
	var out []byte
	for len(data) > 0 {
		size, ok := pageAt(data)
		if !ok {
			t.Fatal("fixture does not parse as pages")
		}
		page := bytes.Clone(data[:size])
		data = data[size:]
		h, _ := parseHeader(page)
		page = f(&h, page)
		if page == nil {
			continue
		}
		binary.LittleEndian.PutUint64(page[6:], uint64(h.granule))
		binary.LittleEndian.PutUint32(page[22:], 0)
		binary.LittleEndian.PutUint32(page[22:], crcUpdate(0, page))
		out = append(out, page...)
	}
	return out
}

// TestGranuleOffset: ffmpeg neither trims nor pads the start of a Vorbis
// stream whose first granule position is off (a stream cut from a longer
// one, or one that asks for start trimming): it only trims the end,
// relative to the page before. Checked against ffmpeg 5.1 by hand with the
// granules shifted both ways; here, the output stays the unshifted one's.
func TestGranuleOffset(t *testing.T) {
	data := audiotest.ReadFile(t, "../vorbis/testdata/q5-44k-stereo.ogg")
	_, want, err := decode(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, shift := range []int64{-500, -5000, 100000} {
		shifted := rewritePages(t, data, func(h *pageHeader, page []byte) []byte {
			if h.granule > 0 {
				h.granule += shift
			}
			return page
		})
		info, got, err := decode(shifted)
		if err != nil {
			t.Fatal(err)
		}
		if len(got[0]) != len(want[0]) || info.Frames != int64(len(got[0])) {
			t.Errorf("granules shifted by %d: %d frames (Info %d), want %d", shift, len(got[0]), info.Frames, len(want[0]))
		}
	}
}

func TestUnsupportedStreams(t *testing.T) {
	if _, err := NewDecoder(bytes.NewReader(audiotest.ReadFile(t, "testdata/flac.oga"))); !errors.Is(err, pcm.ErrUnsupported) || !strings.Contains(err.Error(), "FLAC") {
		t.Errorf("FLAC in Ogg: %v, want ErrUnsupported naming FLAC", err)
	}
	// The Theora stream of with-video.ogg alone: no audio.
	video := audiotest.ReadFile(t, "testdata/with-video.ogg")
	var vorbisSerial uint32
	theora := rewritePages(t, video, func(h *pageHeader, page []byte) []byte {
		body := page[headerSize+h.segments:]
		if h.flags&flagBOS != 0 && bytes.HasPrefix(body, []byte("\x01vorbis")) {
			vorbisSerial = h.serial
		}
		if h.serial == vorbisSerial && vorbisSerial != 0 {
			return nil
		}
		return page
	})
	if _, err := NewDecoder(bytes.NewReader(theora)); !errors.Is(err, pcm.ErrUnsupported) {
		t.Errorf("Theora only: %v, want ErrUnsupported", err)
	}
	// A chain whose second link changes the sample rate: the first link
	// decodes, then Next fails.
	dec, err := NewDecoder(bytes.NewReader(audiotest.ReadFile(t, "testdata/rate-change.ogg")))
	if err != nil {
		t.Fatal(err)
	}
	out, err := audiotest.Drain(dec)
	if !errors.Is(err, pcm.ErrUnsupported) || len(out[0]) != 15616 {
		t.Errorf("rate change: %d frames then %v, want the first link's 15616 then ErrUnsupported", len(out[0]), err)
	}
}

func TestEmptyAndGarbage(t *testing.T) {
	for name, data := range map[string][]byte{
		"empty":   nil,
		"garbage": []byte("RIFF\x00\x00\x00\x00WAVEfmt "),
		"short":   []byte("Og"),
	} {
		if _, err := NewDecoder(bytes.NewReader(data)); !errors.Is(err, pcm.ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
}

// cleanCuts returns the offsets of data where a cut leaves whole pages and
// no unfinished packet in any stream: the places a truncated file still
// decodes cleanly.
func cleanCuts(t testing.TB, data []byte) map[int]bool {
	cuts := map[int]bool{}
	partial := map[uint32]bool{}
	off := 0
	for off < len(data) {
		size, ok := pageAt(data[off:])
		if !ok {
			t.Fatal("fixture does not parse as pages")
		}
		h, _ := parseHeader(data[off:])
		lacing := data[off+headerSize : off+headerSize+h.segments]
		if len(lacing) > 0 {
			partial[h.serial] = lacing[len(lacing)-1] == 255
		}
		off += size
		clean := true
		for _, p := range partial {
			clean = clean && !p
		}
		cuts[off] = clean
	}
	return cuts
}

// TestTruncatedFiles cuts files at many offsets: the decode ends in an
// error wrapping ErrMalformed, except at a page boundary with no packet
// unfinished, where it ends cleanly with fewer frames.
func TestTruncatedFiles(t *testing.T) {
	for _, f := range []string{"testdata/chained.ogg", "testdata/with-video.ogg", "testdata/big-comment.ogg", "../vorbis/testdata/qm1-8k-mono.ogg"} {
		data := audiotest.ReadFile(t, f)
		_, full, err := decode(data)
		if err != nil {
			t.Fatal(err)
		}
		cuts := cleanCuts(t, data)
		for cut := 0; cut < len(data); cut += 1 + cut%97 {
			if cut > 0 && cuts[cut] {
				continue // tested below
			}
			_, _, err := decode(data[:cut])
			if !errors.Is(err, pcm.ErrMalformed) {
				t.Fatalf("%s cut at %d of %d: %v, want ErrMalformed", f, cut, len(data), err)
			}
		}
		for cut, clean := range cuts {
			if cut == len(data) {
				continue
			}
			_, got, err := decode(data[:cut])
			switch {
			case clean && errors.Is(err, pcm.ErrMalformed) && strings.Contains(err.Error(), "headers"):
				// A cut in the headers.
			case clean && err != nil:
				t.Errorf("%s cut at page boundary %d: %v", f, cut, err)
			case clean && len(got) > 0 && len(got[0]) > len(full[0]):
				t.Errorf("%s cut at page boundary %d: %d frames, more than the whole file's %d", f, cut, len(got[0]), len(full[0]))
			case !clean && !errors.Is(err, pcm.ErrMalformed):
				t.Errorf("%s cut at page boundary %d inside a packet: %v, want ErrMalformed", f, cut, err)
			}
		}
	}
}

// TestCorruptedFiles flips one byte at many offsets: every page is under a
// CRC, so each flip is an error wrapping ErrMalformed.
func TestCorruptedFiles(t *testing.T) {
	for _, f := range []string{"testdata/with-video.ogg", "../vorbis/testdata/qm1-8k-mono.ogg"} {
		data := audiotest.ReadFile(t, f)
		for off := 0; off < len(data); off += 1 + off%13 {
			bad := bytes.Clone(data)
			bad[off] ^= 0x5a
			_, _, err := decode(bad)
			if !errors.Is(err, pcm.ErrMalformed) {
				t.Fatalf("%s with byte %d flipped: %v, want ErrMalformed", f, off, err)
			}
		}
	}
}

// noSeek hides a reader's Seek, as a network stream would: NewDecoder
// then leaves Info.Frames unknown.
type noSeek struct{ io.Reader }

func (noSeek) Seek(int64, int) (int64, error) { return 0, errors.New("not seekable") }

func TestNotSeekable(t *testing.T) {
	data := audiotest.ReadFile(t, "../vorbis/testdata/q0-16k-mono.ogg")
	dec, err := NewDecoder(noSeek{bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := audiotest.Drain(dec)
	if err != nil || dec.Info().Frames != -1 || len(got[0]) != 32000 {
		t.Errorf("Frames %d, %d frames decoded, %v; want -1, 32000, nil", dec.Info().Frames, len(got[0]), err)
	}
}

// failAfter reads data, then fails with err.
type failAfter struct {
	r   *bytes.Reader
	err error
}

func (f *failAfter) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if errors.Is(err, io.EOF) {
		return n, f.err
	}
	return n, err
}

func (f *failAfter) Seek(off int64, whence int) (int64, error) { return f.r.Seek(off, whence) }

func TestReadErrorsPassThrough(t *testing.T) {
	data := audiotest.ReadFile(t, "../vorbis/testdata/q0-16k-mono.ogg")
	bad := errors.New("connection reset")
	for _, n := range []int{10, 3000, len(data) / 2} {
		dec, err := NewDecoder(&failAfter{bytes.NewReader(data[:n]), bad})
		if err == nil {
			_, err = audiotest.Drain(dec)
		}
		if !errors.Is(err, bad) || errors.Is(err, pcm.ErrMalformed) {
			t.Errorf("read error after %d bytes: %v, want it passed through", n, err)
		}
	}
}

// TestTrailingTag: an ID3v1 tag after the last page (some taggers add one)
// is ignored, as ffmpeg ignores it.
func TestTrailingTag(t *testing.T) {
	data := audiotest.ReadFile(t, "../vorbis/testdata/q0-16k-mono.ogg")
	tag := append([]byte("TAGtitle"), make([]byte, 120)...)
	info, got, err := decode(append(bytes.Clone(data), tag...))
	if err != nil || len(got[0]) != 32000 || info.Frames != 32000 {
		t.Errorf("with an ID3v1 tag: %d frames (Info %d), %v; want 32000", len(got[0]), info.Frames, err)
	}
}
