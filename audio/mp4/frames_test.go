package mp4

import (
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// silence is a codec that decodes every access unit to a frame's worth of
// zeros (1024 for AAC, 1152 or 576 for MP3), to check the demuxer's
// output length apart from the codecs.
type silence struct{ out [][]float32 }

func (s *silence) Decode([]byte) ([][]float32, error) { return s.out, nil }

// openSilence makes a silence codec with the channel count and rate of
// the track's sample entry.
func openSilence(e sampleEntry) (*codec, error) {
	n := max(e.channels, 1)
	s := &silence{out: make([][]float32, n)}
	length := 1024
	if e.format == formatMP3 || e.esds.objectType == otiMPEG1Audio || e.esds.objectType == otiMPEG2Audio {
		length = 576
		if e.rate >= 32000 {
			length = 1152
		}
	}
	for c := range s.out {
		s.out[c] = make([]float32, length)
	}
	return &codec{name: "mp4/test", frames: s, rate: e.rate, layout: pcm.DefaultLayout(n), frameLength: length}, nil
}

// TestFramesMatchFFmpeg checks that, for every fixture, the demuxer keeps
// exactly as many frames as ffmpeg's decode has, and that Info.Frames
// says so beforehand.
func TestFramesMatchFFmpeg(t *testing.T) {
	for _, f := range decodable {
		t.Run(f.name, func(t *testing.T) {
			ref := audiotest.ReadRef(t, "testdata/"+f.name+".s16le.gz", len(f.layout))
			dec, err := newDecoder(audiotest.Open(t, "testdata/"+f.name), openSilence)
			if err != nil {
				t.Fatal(err)
			}
			out, err := audiotest.Drain(dec)
			if err != nil {
				t.Fatal(err)
			}
			if len(out[0]) != ref.Frames() {
				t.Errorf("%d frames, ffmpeg %d", len(out[0]), ref.Frames())
			}
			want := int64(ref.Frames())
			if f.fragmented {
				want = -1
			}
			if got := dec.Info().Frames; got != want {
				t.Errorf("Info.Frames %d, want %d", got, want)
			}
		})
	}
}
