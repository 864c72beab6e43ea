package pipeline_test

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/wav"
	"github.com/xdna-worker/xdna-worker/internal/testenv"
	"github.com/xdna-worker/xdna-worker/pipeline"
	"github.com/xdna-worker/xdna-worker/vad"
	"github.com/xdna-worker/xdna-worker/whisper"
	"github.com/xdna-worker/xdna-worker/whisper/whispertest"
	"github.com/xdna-worker/xdna-worker/xdna"
)

// BenchmarkTranscribeVADPauses measures what VAD saves on audio with
// pauses: jfk.wav four times with 40 s of silence between the copies
// (164 s), through the cpu encoder of the random-weight model R7 (tiny.en
// dimensions) with the real greedy text decoder, without and with VAD.
// It reports encoder windows per job.
func BenchmarkTranscribeVADPauses(b *testing.B) {
	dir, ok := whispertest.FixturesDir()
	if !ok {
		testenv.Missing(b, "fixtures not found")
	}
	vm, err := vad.Load(filepath.Join(filepath.Dir(dir), "vad", "for-tests-silero-v6.2.0-ggml.bin"))
	if err != nil {
		testenv.Missing(b, "VAD model: %v", err)
	}
	model, err := whisper.Load(whispertest.R7Model(b))
	if err != nil {
		b.Fatal(err)
	}
	raw, err := os.ReadFile(whispertest.Fixture(b, "jfk.wav"))
	if err != nil {
		b.Fatal(err)
	}
	jfk := make([]float32, (len(raw)-44)/2)
	for i := range jfk {
		jfk[i] = float32(int16(uint16(raw[44+2*i])|uint16(raw[45+2*i])<<8)) / math.MaxInt16
	}
	var audio []float32
	for i := range 4 {
		if i > 0 {
			audio = append(audio, make([]float32, 40*pipeline.SampleRate)...)
		}
		audio = append(audio, jfk...)
	}
	var data bytes.Buffer
	wav.Write(&data, audio, pipeline.SampleRate)
	pools, err := xdna.NewPools(model.Dims(), xdna.PoolsConfig{AudioCount: 1, MelCount: 1, EncoderCount: 1})
	if err != nil {
		b.Fatal(err)
	}
	mel, err := pipeline.NewMel(model.Filters, model.Dims().NMels)
	if err != nil {
		b.Fatal(err)
	}
	tr := pipeline.NewTranscriber(pools, model.NewEncoder(), mel, pipeline.WithTempDir(b.TempDir()),
		pipeline.WithTextDecoder(model.NewTextDecoder(whisper.Options{BeamSize: 1, Temperatures: []float64{0}}) /* greedy, as the figures in docs/whisper.md */), pipeline.WithVAD(vm, vad.DefaultParams()))
	for _, on := range []bool{false, true} {
		name := "vad=off"
		if on {
			name = "vad=on"
		}
		b.Run(name, func(b *testing.B) {
			var out *pipeline.Transcript
			for b.Loop() {
				if out, err = tr.Transcribe(context.Background(), &pipeline.Request{Audio: bytes.NewReader(data.Bytes()), Language: "en", VAD: on}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(out.Windows), "windows")
			b.ReportMetric(out.Timings.Encode.Seconds()*1000, "encode-ms")
			b.ReportMetric(out.Timings.DecodeText.Seconds()*1000, "decode_text-ms")
			b.ReportMetric(out.Timings.VAD.Seconds()*1000, "vad-ms")
		})
	}
}
