package pipeline_test

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"github.com/xdna-worker/xdna-worker/pipeline"
	"github.com/xdna-worker/xdna-worker/xdna"
)

// sizeDevice records the lengths of the mel and encoder output slices it
// is given.
type sizeDevice struct {
	mu       sync.Mutex
	mel, out []int
}

func (d *sizeDevice) Name() string { return "size" }
func (d *sizeDevice) Close() error { return nil }
func (d *sizeDevice) Encode(_ context.Context, mel, out []float32) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.mel, d.out = append(d.mel, len(mel)), append(d.out, len(out))
	return nil
}

// sizeText records the length of the encoder output it decodes.
type sizeText struct{ got []int }

func (s *sizeText) Start(context.Context, *pipeline.Request) (pipeline.TextSession, error) {
	return s, nil
}
func (s *sizeText) Close() {}
func (s *sizeText) DecodeWindow(_ context.Context, enc []float32, _ pipeline.Window) (pipeline.WindowText, error) {
	s.got = append(s.got, len(enc))
	return pipeline.WindowText{}, nil
}

// A model smaller than the one the pools are sized for (a worker with
// several models) gets the first n_mels × 3000 values of the mel buffer and
// the first n_audio_ctx × n_audio_state of the encoder_output buffer: the
// mel front end, the device and the text decoder see its sizes, not the
// buffers'.
func TestSmallerModelInLargerPools(t *testing.T) {
	large := xdna.Dims{NMels: 128, NAudioCtx: 1500, NAudioState: 96}
	small := xdna.Dims{NMels: 80, NAudioCtx: 1500, NAudioState: 64}
	pools, err := xdna.NewPools(large, xdna.PoolsConfig{AudioCount: 1, MelCount: 1, EncoderCount: 1})
	if err != nil {
		t.Fatal(err)
	}
	mel, err := pipeline.NewMel(pipeline.MelFilters(small.NMels), small.NMels)
	if err != nil {
		t.Fatal(err)
	}
	dev, text := &sizeDevice{}, &sizeText{}
	tr := pipeline.NewTranscriber(pools, dev, mel, pipeline.WithDims(small), pipeline.WithTextDecoder(text), pipeline.WithTempDir(t.TempDir()))
	data := wavBytes(40)
	if _, err := tr.Transcribe(xdna.WithJob(context.Background(), "small"), &pipeline.Request{Audio: bytes.NewReader(data), Size: int64(len(data))}); err != nil {
		t.Fatal(err)
	}
	wantMel, wantEnc := small.NMels*pipeline.FramesPerWindow, small.NAudioCtx*small.NAudioState
	if len(dev.mel) != 2 || len(text.got) != 2 {
		t.Fatalf("%d encodes, %d decoded windows; want 2", len(dev.mel), len(text.got))
	}
	for i := range dev.mel {
		if dev.mel[i] != wantMel || dev.out[i] != wantEnc || text.got[i] != wantEnc {
			t.Fatalf("window %d: mel %d, encoder output %d, decoded %d; want %d, %d, %d", i, dev.mel[i], dev.out[i], text.got[i], wantMel, wantEnc, wantEnc)
		}
	}
}
