package pipeline

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/job"
)

// stereoToneWAV returns a 16-bit stereo WAV at rate holding f Hz at amp in
// both channels, so the mixdown is the same tone. A streamed file declares
// no data size.
func stereoToneWAV(rate int, seconds, f, amp float64, streamed bool) []byte {
	le := binary.LittleEndian
	n := int(seconds * float64(rate))
	var data []byte
	for i := range n {
		v := amp * math.Sin(2*math.Pi*f*float64(i)/float64(rate))
		q := int16(math.Round(v * 32767))
		data = le.AppendUint16(data, uint16(q))
		data = le.AppendUint16(data, uint16(q))
	}
	h := []byte("RIFF\x00\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x02\x00")
	h = le.AppendUint32(h, uint32(rate))
	h = le.AppendUint32(h, uint32(rate*4))
	h = append(h, 4, 0, 16, 0)
	h = append(h, "data"...)
	size := uint32(len(data))
	if streamed {
		size = 0
	}
	h = le.AppendUint32(h, size)
	return append(h, data...)
}

// openBytes opens in-memory audio.
func openBytes(b []byte) (*Decoder, error) {
	return OpenAudio(context.Background(), bytes.NewReader(b), int64(len(b)))
}

// decodeAll reads a Decoder to the end with reads of size chunk.
func decodeAll(d *Decoder, chunk int) ([]float32, error) {
	var out []float32
	buf := make([]float32, chunk)
	for {
		n, err := d.Read(buf)
		out = append(out, buf[:n]...)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
}

func TestDecoder(t *testing.T) {
	tests := []struct {
		name     string
		rate     int
		streamed bool
	}{
		{"44.1k", 44100, false},
		{"48k", 48000, false},
		{"22.05k", 22050, false},
		{"8k", 8000, false},
		{"16k identity", 16000, false},
		{"44.1k streamed", 44100, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			const amp, f, seconds = 0.5, 1000.0, 1.5
			file := stereoToneWAV(tc.rate, seconds, f, amp, tc.streamed)
			var ref []float32
			for _, chunk := range []int{1, 1000, SamplesPerWindow} {
				d, err := openBytes(file)
				if err != nil {
					t.Fatal(err)
				}
				frames := int64(seconds * float64(tc.rate))
				wantLen := (frames*SampleRate + int64(tc.rate) - 1) / int64(tc.rate)
				dur, ok := d.Duration()
				switch {
				case tc.streamed && (ok || d.Samples() != -1):
					t.Fatalf("streamed: Duration %v, %v, Samples %d; want unknown", dur, ok, d.Samples())
				case !tc.streamed && (!ok || dur != 1500*time.Millisecond || d.Samples() != wantLen):
					t.Fatalf("Duration %v, %v, Samples %d; want 1.5s, true, %d", dur, ok, d.Samples(), wantLen)
				}
				got, err := decodeAll(d, chunk)
				if err != nil {
					t.Fatal(err)
				}
				if int64(len(got)) != wantLen {
					t.Fatalf("chunk %d: %d samples, want %d", chunk, len(got), wantLen)
				}
				if ref == nil {
					ref = got
				}
				for i := range got {
					if got[i] != ref[i] {
						t.Fatalf("chunk %d: sample %d differs from chunk 1", chunk, i)
					}
				}
			}
			// A 16 kHz tone of the same amplitude and frequency, in phase.
			const edge = 300
			var maxErr float64
			for i := edge; i < len(ref)-edge; i++ {
				want := amp * math.Sin(2*math.Pi*f*float64(i)/SampleRate)
				maxErr = max(maxErr, math.Abs(float64(ref[i])-want))
			}
			// 16-bit quantisation is 1.5e-5; the filter adds less.
			if maxErr > 2e-4 {
				t.Fatalf("max error %.3g against the ideal 16 kHz tone", maxErr)
			}
		})
	}
}

func TestDecoderErrors(t *testing.T) {
	good := stereoToneWAV(44100, 0.5, 440, 0.5, false)
	tests := []struct {
		name  string
		file  []byte
		code  job.Code
		early bool // NewDecoder fails
	}{
		{"unknown", []byte("this is not audio, just text"), job.CodeUnsupportedFormat, true},
		{"only an ID3 tag", []byte("ID3\x03\x00\x00\x00\x00\x00\x00"), job.CodeAudioDecode, true},
		{"empty", nil, job.CodeAudioDecode, true},
		{"truncated 44.1k data", good[:len(good)/2], job.CodeAudioDecode, false},
		{"truncated 16k data", stereoToneWAV(16000, 0.5, 440, 0.5, false)[:5000], job.CodeAudioDecode, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := openBytes(tc.file)
			if (err != nil) != tc.early {
				t.Fatalf("NewDecoder error %v, want failure %v", err, tc.early)
			}
			var got []float32
			if err == nil {
				got, err = decodeAll(d, 777)
			}
			if job.CodeOf(err) != tc.code {
				t.Fatalf("error %v, want code %s", err, tc.code)
			}
			if !tc.early && len(got) == 0 {
				t.Fatal("no samples before the decode error")
			}
		})
	}
}
