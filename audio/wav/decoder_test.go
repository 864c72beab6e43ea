package pipeline

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/xdna-worker/xdna-worker/job"
)

// readAllMono decodes a whole WAV stream with reads of size chunk.
func readAllMono(t *testing.T, w *WAVReader, chunk int) ([]float32, error) {
	t.Helper()
	var out []float32
	buf := make([]float32, chunk)
	for {
		n, err := w.ReadMono(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return out, err
		}
		if n == 0 {
			t.Fatal("ReadMono returned 0 samples and no error")
		}
	}
}

func TestWAVFormats(t *testing.T) {
	odd := []testChunk{{"LIST", []byte("INFOISFT\x05\x00\x00\x00Lavf\x00")}, {"junk", []byte{1, 2, 3}}}
	tests := []struct {
		name string
		spec wavSpec
		enc  Encoding
	}{
		{"u8 mono 8k", wavSpec{tag: 1, channels: 1, rate: 8000, bits: 8}, EncodingPCM},
		{"s16 mono 16k", wavSpec{tag: 1, channels: 1, rate: 16000, bits: 16}, EncodingPCM},
		{"s16 stereo 44.1k", wavSpec{tag: 1, channels: 2, rate: 44100, bits: 16}, EncodingPCM},
		{"s16 6ch 48k", wavSpec{tag: 1, channels: 6, rate: 48000, bits: 16}, EncodingPCM},
		{"s24 mono 22.05k", wavSpec{tag: 1, channels: 1, rate: 22050, bits: 24}, EncodingPCM},
		{"s24 stereo 48k", wavSpec{tag: 1, channels: 2, rate: 48000, bits: 24}, EncodingPCM},
		{"s32 stereo 44.1k", wavSpec{tag: 1, channels: 2, rate: 44100, bits: 32}, EncodingPCM},
		{"f32 mono 16k", wavSpec{tag: 3, channels: 1, rate: 16000, bits: 32}, EncodingFloat},
		{"f32 stereo 48k", wavSpec{tag: 3, channels: 2, rate: 48000, bits: 32}, EncodingFloat},
		{"f64 6ch 22.05k", wavSpec{tag: 3, channels: 6, rate: 22050, bits: 64}, EncodingFloat},
		{"u8 stereo 22.05k", wavSpec{tag: 1, channels: 2, rate: 22050, bits: 8}, EncodingPCM},
		{"extensible s16 6ch", wavSpec{tag: 1, channels: 6, rate: 48000, bits: 16, extensible: true}, EncodingPCM},
		{"extensible s24 stereo", wavSpec{tag: 1, channels: 2, rate: 44100, bits: 24, extensible: true}, EncodingPCM},
		{"extensible f32 mono", wavSpec{tag: 3, channels: 1, rate: 8000, bits: 32, extensible: true}, EncodingFloat},
		{"odd chunks everywhere", wavSpec{tag: 1, channels: 2, rate: 44100, bits: 16, before: odd, between: odd, after: odd}, EncodingPCM},
		{"odd-size data then chunk", wavSpec{tag: 1, channels: 1, rate: 8000, bits: 8, after: odd}, EncodingPCM},
		{"streamed size 0", wavSpec{tag: 1, channels: 2, rate: 48000, bits: 16, dataSize: -1}, EncodingPCM},
		{"streamed size 0xFFFFFFFF", wavSpec{tag: 1, channels: 1, rate: 22050, bits: 16, dataSize: 0xFFFFFFFF}, EncodingPCM},
		{"rf64", wavSpec{tag: 1, channels: 2, rate: 44100, bits: 16, rf64: true}, EncodingPCM},
		{"a-law 8k", wavSpec{tag: 6, channels: 1, rate: 8000, bits: 8}, EncodingALaw},
		{"mu-law stereo 8k", wavSpec{tag: 7, channels: 2, rate: 8000, bits: 8}, EncodingMuLaw},
		{"max channels", wavSpec{tag: 1, channels: 64, rate: 8000, bits: 16}, EncodingPCM},
		{"min rate", wavSpec{tag: 1, channels: 1, rate: 1000, bits: 16}, EncodingPCM},
		{"max rate", wavSpec{tag: 3, channels: 1, rate: 384000, bits: 32}, EncodingFloat},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			const frames = 5001 // odd, and more than one internal buffer for most formats
			data, want := testSignal(tc.spec, frames)
			file := buildWAV(tc.spec, data)
			for _, chunk := range []int{1, 333, 8192} {
				for _, oneByte := range []bool{false, true} {
					var r io.Reader = bytes.NewReader(file)
					if oneByte {
						if chunk != 333 {
							continue
						}
						r = iotest.OneByteReader(r)
					}
					w, err := NewWAVReader(r)
					if err != nil {
						t.Fatalf("NewWAVReader: %v", err)
					}
					info := w.Info()
					wantFrames := int64(frames)
					if tc.spec.dataSize == -1 || tc.spec.dataSize == 0xFFFFFFFF {
						wantFrames = -1
					}
					if info.SampleRate != tc.spec.rate || info.Channels != tc.spec.channels ||
						info.BitsPerSample != tc.spec.bits || info.Float != (tc.spec.tag == 3) ||
						info.Encoding != tc.enc || info.Frames != wantFrames {
						t.Fatalf("Info = %+v, want %d Hz %d ch %d bits %v frames %d", info, tc.spec.rate, tc.spec.channels, tc.spec.bits, tc.enc, wantFrames)
					}
					if wantFrames > 0 {
						d := time.Duration(float64(frames) / float64(tc.spec.rate) * float64(time.Second))
						if diff := info.Duration - d; diff < -time.Microsecond || diff > time.Microsecond {
							t.Fatalf("Duration = %v, want %v", info.Duration, d)
						}
					} else if info.Duration != 0 {
						t.Fatalf("Duration = %v for unknown length", info.Duration)
					}
					got, err := readAllMono(t, w, chunk)
					if err != nil {
						t.Fatalf("chunk %d: %v", chunk, err)
					}
					if len(got) != frames {
						t.Fatalf("chunk %d: %d frames, want %d", chunk, len(got), frames)
					}
					for i := range got {
						if d := math.Abs(float64(got[i]) - want[i]); d > 1e-6 {
							t.Fatalf("chunk %d: frame %d = %v, want %v", chunk, i, got[i], want[i])
						}
					}
					if n, err := w.ReadMono(make([]float32, 4)); n != 0 || !errors.Is(err, io.EOF) {
						t.Fatalf("after the end: %d, %v; want 0, EOF", n, err)
					}
				}
			}
		})
	}
}

func TestG711KnownValues(t *testing.T) {
	tests := []struct {
		name string
		dec  func(byte) int16
		in   byte
		want int16
	}{
		{"alaw 0xD5", alawDecode, 0xD5, 8},
		{"alaw 0x55", alawDecode, 0x55, -8},
		{"alaw 0xAA", alawDecode, 0xAA, 32256},
		{"alaw 0x2A", alawDecode, 0x2A, -32256},
		{"alaw 0x80", alawDecode, 0x80, -5504 * -1},
		{"mulaw 0xFF", mulawDecode, 0xFF, 0},
		{"mulaw 0x7F", mulawDecode, 0x7F, 0},
		{"mulaw 0x80", mulawDecode, 0x80, 32124},
		{"mulaw 0x00", mulawDecode, 0x00, -32124},
		{"mulaw 0xF0", mulawDecode, 0xF0, 120},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.dec(tc.in); got != tc.want {
				t.Fatalf("decode(0x%02X) = %d, want %d", tc.in, got, tc.want)
			}
		})
	}
	for b := range 256 {
		if a, r := int(alawDecode(byte(b))), refALaw(byte(b)); a != r {
			t.Errorf("alaw 0x%02X: %d, reference %d", b, a, r)
		}
		if m, r := int(mulawDecode(byte(b))), refMuLaw(byte(b)); m != r {
			t.Errorf("mulaw 0x%02X: %d, reference %d", b, m, r)
		}
	}
}

func TestWAVBadInput(t *testing.T) {
	le := binary.LittleEndian
	spec := wavSpec{tag: 1, channels: 2, rate: 16000, bits: 16}
	data, _ := testSignal(spec, 100)
	good := buildWAV(spec, data)
	// Offsets in good: fmt body at 20, data size at 40, samples at 44.
	patch16 := func(off int, v uint16) []byte {
		b := bytes.Clone(good)
		le.PutUint16(b[off:], v)
		return b
	}
	patch32 := func(off int, v uint32) []byte {
		b := bytes.Clone(good)
		le.PutUint32(b[off:], v)
		return b
	}
	withFmt := func(s wavSpec, fmtBody []byte, data []byte) []byte {
		var b []byte
		b = append(b, "RIFF\x00\x00\x00\x00WAVE"...)
		b = appendChunk(b, "fmt ", fmtBody)
		b = append(b, "data"...)
		b = le.AppendUint32(b, uint32(len(data)))
		return append(b, data...)
	}
	shortFmt := withFmt(spec, spec.fmtBody()[:14], data)
	adpcm := wavSpec{tag: 2, channels: 1, rate: 8000, bits: 4}
	adpcmFile := withFmt(adpcm, spec.fmtBody(), nil)
	le.PutUint16(adpcmFile[20:], 2)
	badGUID := buildWAV(wavSpec{tag: 1, channels: 1, rate: 16000, bits: 16, extensible: true}, data[:20])
	badGUID[20+24+2] ^= 0xFF // first byte of the GUID tail
	extShort := withFmt(spec, append(wavSpec{tag: 1, channels: 2, rate: 16000, bits: 16, extensible: true}.fmtBody()[:20], 0, 0), data)
	noData := good[:36] // RIFF header + fmt chunk
	dataFirst := append(append([]byte("RIFF\x00\x00\x00\x00WAVE"), appendChunk(nil, "data", data[:8])...), appendChunk(nil, "fmt ", spec.fmtBody())...)
	lyingList := append(bytes.Clone(good[:36]), "LIST\x00\x10\x00\x00abcd"...)

	tests := []struct {
		name string
		file []byte
		code job.Code
		msg  string // substring of the error
	}{
		{"empty file", nil, job.CodeAudioDecode, "empty"},
		{"not RIFF", []byte("hello, world, this is text"), job.CodeUnsupportedFormat, "not WAV"},
		{"RIFF but AVI", []byte("RIFF\x10\x00\x00\x00AVI LIST\x00\x00\x00\x00"), job.CodeUnsupportedFormat, `"AVI "`},
		{"RIFF truncated to 3 bytes", []byte("RIF"), job.CodeAudioDecode, "truncated"},
		{"truncated header", good[:11], job.CodeAudioDecode, "truncated"},
		{"truncated in fmt chunk header", good[:16], job.CodeAudioDecode, "truncated"},
		{"truncated in fmt body", good[:30], job.CodeAudioDecode, "truncated"},
		{"fmt chunk too short", shortFmt, job.CodeAudioDecode, "need at least 16"},
		{"extensible fmt too short", extShort, job.CodeAudioDecode, "need 40"},
		{"channels 0", patch16(22, 0), job.CodeAudioDecode, "0 channels"},
		{"rate 0", patch32(24, 0), job.CodeAudioDecode, "sample rate of 0"},
		{"bits 12", patch16(34, 12), job.CodeAudioDecode, "12 bits"},
		{"bits 0", patch16(34, 0), job.CodeAudioDecode, "0 bits"},
		{"block align mismatch", patch16(32, 6), job.CodeAudioDecode, "block align 6"},
		{"byte rate mismatch", patch32(28, 12345), job.CodeAudioDecode, "byte rate 12345"},
		{"float 16-bit", withFmt(spec, wavSpec{tag: 3, channels: 2, rate: 16000, bits: 16}.fmtBody(), data), job.CodeAudioDecode, "IEEE float"},
		{"pcm 40-bit", withFmt(spec, wavSpec{tag: 1, channels: 1, rate: 16000, bits: 40}.fmtBody(), data[:40]), job.CodeUnsupportedFormat, "40-bit"},
		{"too many channels", withFmt(spec, wavSpec{tag: 1, channels: 65, rate: 16000, bits: 16}.fmtBody(), nil), job.CodeUnsupportedFormat, "65 channels"},
		{"rate too low", withFmt(spec, wavSpec{tag: 1, channels: 1, rate: 999, bits: 16}.fmtBody(), nil), job.CodeUnsupportedFormat, "999 Hz"},
		{"rate too high", withFmt(spec, wavSpec{tag: 1, channels: 1, rate: 384001, bits: 16}.fmtBody(), nil), job.CodeUnsupportedFormat, "384001 Hz"},
		{"ADPCM codec", adpcmFile, job.CodeUnsupportedFormat, "ADPCM"},
		{"unknown extensible GUID", badGUID, job.CodeUnsupportedFormat, "GUID"},
		{"missing data chunk", noData, job.CodeAudioDecode, "no data chunk"},
		{"missing fmt chunk", []byte("RIFF\x04\x00\x00\x00WAVE"), job.CodeAudioDecode, "no fmt chunk"},
		{"data before fmt", dataFirst, job.CodeAudioDecode, "before the fmt"},
		{"lying chunk size before data", lyingList, job.CodeAudioDecode, `"LIST"`},
		{"data size not whole frames", patch32(40, 398), job.CodeAudioDecode, "whole number"},
		{"data larger than file", patch32(40, 4000), job.CodeAudioDecode, "declares 4000 bytes"},
		{"truncated data", good[:len(good)-4], job.CodeAudioDecode, "declares 400 bytes"},
		{"partial trailing frame", buildWAV(wavSpec{tag: 1, channels: 2, rate: 16000, bits: 16, dataSize: -1}, data[:len(data)-1]), job.CodeAudioDecode, "partial frame"},
		{"MP3 with ID3", []byte("ID3\x04\x00\x00\x00\x00\x00\x00rest of tag"), job.CodeUnsupportedFormat, "MP3"},
		{"MP3 frame sync", []byte{0xFF, 0xFB, 0x90, 0x64, 0, 0, 0, 0, 0, 0, 0, 0}, job.CodeUnsupportedFormat, "MP3"},
		{"AAC ADTS", []byte{0xFF, 0xF1, 0x50, 0x80, 0, 0, 0, 0, 0, 0, 0, 0}, job.CodeUnsupportedFormat, "AAC"},
		{"Ogg", []byte("OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00"), job.CodeUnsupportedFormat, "Ogg"},
		{"FLAC", []byte("fLaC\x00\x00\x00\x22\x10\x00"), job.CodeUnsupportedFormat, "FLAC"},
		{"MP4", []byte("\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00"), job.CodeUnsupportedFormat, "MP4"},
		{"WebM", []byte("\x1aE\xdf\xa3\x9fB\x86\x81\x01B\xf7\x81"), job.CodeUnsupportedFormat, "WebM"},
		{"RIFX", []byte("RIFX\x00\x00\x00\x24WAVEfmt "), job.CodeUnsupportedFormat, "RIFX"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, err := NewWAVReader(bytes.NewReader(tc.file))
			if err == nil {
				_, err = readAllMono(t, w, 64)
			}
			if err == nil {
				t.Fatal("no error")
			}
			t.Log(err)
			if got := job.CodeOf(err); got != tc.code {
				t.Fatalf("code %q, want %q (error: %v)", got, tc.code, err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("error %q does not mention %q", err, tc.msg)
			}
		})
	}
}

// TestWAVTruncatedDeliversWholeFrames checks that a lying data size yields
// the frames that are present before the error.
func TestWAVTruncatedDeliversWholeFrames(t *testing.T) {
	spec := wavSpec{tag: 1, channels: 1, rate: 16000, bits: 16, dataSize: 1 << 20}
	data, want := testSignal(spec, 1000)
	w, err := NewWAVReader(bytes.NewReader(buildWAV(spec, data)))
	if err != nil {
		t.Fatal(err)
	}
	if w.Info().Frames != 1<<19 {
		t.Fatalf("Frames = %d, want the declared %d", w.Info().Frames, 1<<19)
	}
	got, err := readAllMono(t, w, 4096)
	if job.CodeOf(err) != job.CodeAudioDecode {
		t.Fatalf("error %v, want audio_decode", err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d frames before the error, want %d", len(got), len(want))
	}
	// The error is sticky.
	if _, err2 := w.ReadMono(make([]float32, 1)); err2 != err {
		t.Fatalf("second error %v, want %v", err2, err)
	}
}

// TestWAVReaderIOError checks that an error of the underlying reader is
// passed through without a job code.
func TestWAVReaderIOError(t *testing.T) {
	spec := wavSpec{tag: 1, channels: 1, rate: 16000, bits: 16}
	data, _ := testSignal(spec, 100000)
	file := buildWAV(spec, data)
	tests := []struct {
		name string
		r    io.Reader
	}{
		{"in header", iotest.TimeoutReader(iotest.HalfReader(bytes.NewReader(file[:40])))},
		{"in data", io.MultiReader(bytes.NewReader(file[:50000]), iotest.ErrReader(iotest.ErrTimeout))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, err := NewWAVReader(tc.r)
			if err == nil {
				_, err = readAllMono(t, w, 1000)
			}
			if !errors.Is(err, iotest.ErrTimeout) {
				t.Fatalf("error %v, want one wrapping %v", err, iotest.ErrTimeout)
			}
			if c := job.CodeOf(err); c != job.CodeInternal {
				t.Fatalf("code %q, want none (internal)", c)
			}
		})
	}
}

func TestWAVFloatClamp(t *testing.T) {
	le := binary.LittleEndian
	vals := []float32{0.5, 1.5, -3, float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), -0.25}
	want := []float32{0.5, 1, -1, 0, 1, -1, -0.25}
	var data []byte
	for _, v := range vals {
		data = le.AppendUint32(data, math.Float32bits(v))
	}
	w, err := NewWAVReader(bytes.NewReader(buildWAV(wavSpec{tag: 3, channels: 1, rate: 16000, bits: 32}, data)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := readAllMono(t, w, 16)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("sample %d (%v) = %v, want %v", i, vals[i], got[i], want[i])
		}
	}
}

func TestWAVReadMonoAllocs(t *testing.T) {
	spec := wavSpec{tag: 1, channels: 2, rate: 44100, bits: 16}
	data, _ := testSignal(spec, 44100)
	file := buildWAV(spec, data)
	w, err := NewWAVReader(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]float32, 1000)
	allocs := testing.AllocsPerRun(40, func() {
		if _, err := w.ReadMono(buf); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("ReadMono allocates %v times per call", allocs)
	}
}
