package mp4

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// Fuzzing caps: access units demuxed and frames decoded per input.
const (
	fuzzMaxSamples = 1 << 14
	fuzzMaxFrames  = 1 << 22
)

// FuzzBoxes feeds arbitrary bytes to the box parser, the sample tables,
// the edit list and the fragment reader, and reads every access unit
// they describe. Errors must wrap ErrMalformed or ErrUnsupported; nothing
// may panic or run away.
func FuzzBoxes(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		src, err := newSource(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		d, err := openDemuxer(src)
		if err == nil {
			err = d.prepare()
		}
		buf := make([]byte, MaxSampleSize)
		for n := 0; err == nil && n < fuzzMaxSamples; n++ {
			var s sample
			s, err = d.nextSample()
			if err != nil {
				break
			}
			if s.size <= MaxSampleSize {
				err = src.readAt(buf[:s.size], s.offset, "sample")
			}
		}
		checkFuzzError(t, err)
	})
}

// FuzzDecoder feeds arbitrary bytes to NewDecoder and decodes what it
// accepts, up to a cap on the output.
func FuzzDecoder(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		dec, err := NewDecoder(bytes.NewReader(b))
		if err != nil {
			checkFuzzError(t, err)
			return
		}
		info := dec.Info()
		if info.Channels() == 0 || info.Channels() > pcm.MaxChannels || info.SampleRate < pcm.MinSampleRate || info.SampleRate > pcm.MaxSampleRate {
			t.Fatalf("Info %+v", info)
		}
		frames := 0
		for frames < fuzzMaxFrames {
			blk, ok := audiotest.FuzzNext(t, dec, pcm.ErrMalformed, pcm.ErrUnsupported)
			if !ok {
				return
			}
			audiotest.CheckBlock(t, blk, info.Channels(), pcm.MaxBlockFrames)
			frames += len(blk[0])
		}
	})
}

// checkFuzzError fails unless err is nil, io.EOF, or wraps one of the
// decoder's sentinel errors.
func checkFuzzError(t *testing.T, err error) {
	t.Helper()
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, pcm.ErrMalformed) || errors.Is(err, pcm.ErrUnsupported) {
		return
	}
	t.Fatalf("error wraps neither ErrMalformed nor ErrUnsupported: %v", err)
}

// TestWriteFuzzCorpus writes the seed corpus of the fuzz targets when
// MP4_WRITE_CORPUS is set. FuzzBoxes gets every layout of layouts with
// seven tiny access units; FuzzDecoder gets four layouts of three real
// AAC access units (of aac.3gp).
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("MP4_WRITE_CORPUS") == "" {
		t.Skip("set MP4_WRITE_CORPUS=1 to rewrite testdata/fuzz")
	}
	write := func(target, name string, b []byte) {
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		name = strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				return r
			}
			return '-'
		}, strings.ToLower(name))
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tiny := spec{channels: 1, rate: 8000, asc: []byte{0x15, 0x88}, edits: []editEntry{{300, 1024, 1}}}
	for i := range 7 {
		tiny.packets = append(tiny.packets, bytes.Repeat([]byte{byte(i)}, 1+i%3))
	}
	for _, l := range layouts {
		s := tiny
		l.edit(&s)
		write("FuzzBoxes", l.name, build(s))
	}
	s := tiny
	s.sizeBits = 4
	write("FuzzBoxes", "stz2 4-bit", build(s))
	s = tiny
	s.packets = [][]byte{{1}, {2}, {3}}
	s.fragment, s.noTrunSizes = 2, true
	write("FuzzBoxes", "trun without sizes", build(s))

	real := fixtureSpec(t, "aac.3gp")
	real.packets, real.durations = real.packets[:3], real.durations[:3]
	real.edits = []editEntry{{300, 1024, 1}}
	for _, l := range []string{"moov last", "64-bit mdat size, moov first", "QuickTime v1 with wave box", "fragments, default-base-is-moof"} {
		for _, m := range layouts {
			if m.name == l {
				s := real
				m.edit(&s)
				write("FuzzDecoder", l, build(s))
			}
		}
	}
}
