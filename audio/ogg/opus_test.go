package ogg

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"path/filepath"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
	"github.com/xdna-worker/xdna-worker/audio/opus"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// opusFixtures are the Opus test files of audio/opus (made by its
// testdata/make.sh, with references decoded by ffmpeg).
func opusFixtures(t *testing.T) []string {
	files, _ := filepath.Glob("../opus/testdata/*.opus")
	if len(files) == 0 {
		t.Skip("no Opus fixtures in ../opus/testdata")
	}
	return files
}

// refFrames is the number of frames of a reference decode.
func refFrames(t *testing.T, path string, channels int) int {
	zr, err := gzip.NewReader(audiotest.Open(t, path))
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, zr)
	if err != nil {
		t.Fatal(err)
	}
	return int(n) / 2 / channels
}

// TestOpusTrimmingMatchesFFmpeg runs the Opus clock over every packet of
// the Opus fixtures, without decoding them, and checks that the samples it
// keeps, and the frame count NewDecoder would declare, are as many as
// ffmpeg outputs.
func TestOpusTrimmingMatchesFFmpeg(t *testing.T) {
	for _, path := range opusFixtures(t) {
		data := audiotest.ReadFile(t, path)
		r := NewReader(bytes.NewReader(data))
		var head opus.Head
		var first []Packet
		total, n := int64(0), 0
		var clock opusClock
		firstDone := false
		for {
			p, err := r.NextPacket()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			switch n++; n {
			case 1:
				if head, err = opus.ParseHead(p.Data); err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				clock = opusClock{toSkip: head.PreSkip}
				continue
			case 2:
				continue
			}
			if !firstDone {
				q := p
				q.Data = bytes.Clone(p.Data)
				first = append(first, q)
				firstDone = p.Granule >= 0 || p.EOS
			}
			s, ds, de := clock.step(p.Data, p.Granule, p.LastPage)
			total += int64(s - ds - de)
		}
		want := refFrames(t, path+".s16le.gz", head.Channels)
		if total != int64(want) {
			t.Errorf("%s: keeps %d frames, ffmpeg outputs %d", filepath.Base(path), total, want)
		}
		l := &opusLink{head: head}
		ts, err := scanTail(bytes.NewReader(data), 0, int64(len(data)), first[0].Serial)
		if err != nil {
			t.Fatal(err)
		}
		if frames := l.frames(first, ts); frames != int64(want) && frames != -1 {
			t.Errorf("%s: Info.Frames would be %d, ffmpeg outputs %d", filepath.Base(path), frames, want)
		} else if frames == -1 {
			t.Logf("%s: frame count unknown from the end of the file", filepath.Base(path))
		}
	}
}

// TestOpusFixtures decodes the Opus fixtures through NewDecoder once
// audio/opus decodes them: frame count exact, Info right, and the audio
// close to ffmpeg's (the codec's accuracy is audio/opus's to test; this
// checks that the container aligns it).
func TestOpusFixtures(t *testing.T) {
	for _, path := range opusFixtures(t) {
		data := audiotest.ReadFile(t, path)
		dec, err := NewDecoder(bytes.NewReader(data))
		if errors.Is(err, pcm.ErrUnsupported) {
			t.Skipf("audio/opus does not decode yet: %v", err)
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		info := dec.Info()
		got, err := audiotest.Drain(dec)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		ref := audiotest.ReadRef(t, path+".s16le.gz", info.Channels())
		if info.Codec != "ogg/opus" || info.SampleRate != 48000 {
			t.Errorf("%s: Info %+v", path, info)
		}
		if len(got[0]) != ref.Frames() || (info.Frames >= 0 && info.Frames != int64(ref.Frames())) {
			t.Errorf("%s: %d frames (Info %d), ffmpeg %d", path, len(got[0]), info.Frames, ref.Frames())
		}
		q := audiotest.Quantize(got, 16)
		for c, pos := range info.Layout {
			// ffmpeg puts known positions in its own order.
			rc := c
			if pos != pcm.Unknown {
				for i, p := range pcm.DefaultLayout(len(info.Layout)) {
					if p == pos {
						rc = i
					}
				}
			}
			if snr := audiotest.SNR(ref.Channel(rc), q[c]); snr < 30 {
				t.Errorf("%s channel %d (%v): SNR %.1f dB against ffmpeg: misaligned?", path, c, pos, snr)
			}
		}
	}
}
