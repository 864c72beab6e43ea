package wav

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

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// readAll decodes a whole WAV stream, planar.
func readAll(t *testing.T, w *Decoder) ([][]float32, error) {
	t.Helper()
	out := make([][]float32, w.Info().Channels())
	for {
		b, err := w.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return out, err
		}
		if len(b) != len(out) || len(b[0]) == 0 {
			t.Fatalf("Next returned %d channels of %d frames", len(b), len(b[0]))
		}
		for c := range b {
			out[c] = append(out[c], b[c]...)
		}
	}
}

// codeOf names the sentinel an error wraps, as the job code it becomes.
func codeOf(err error) string {
	switch {
	case errors.Is(err, pcm.ErrMalformed):
		return "audio_decode"
	case errors.Is(err, pcm.ErrUnsupported):
		return "unsupported_format"
	}
	return "internal"
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
			for _, oneByte := range []bool{false, true} {
				var r io.Reader = bytes.NewReader(file)
				if oneByte {
					r = iotest.OneByteReader(r)
				}
				w, err := NewDecoder(r)
				if err != nil {
					t.Fatalf("NewDecoder: %v", err)
				}
				info := w.Format()
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
				if pi := w.Info(); pi.SampleRate != tc.spec.rate || pi.Channels() != tc.spec.channels || pi.Frames != wantFrames {
					t.Fatalf("pcm.Info = %+v", pi)
				}
				got, err := readAll(t, w)
				if err != nil {
					t.Fatalf("one byte %v: %v", oneByte, err)
				}
				for c := range got {
					if len(got[c]) != frames {
						t.Fatalf("channel %d: %d frames, want %d", c, len(got[c]), frames)
					}
					for i := range got[c] {
						if d := math.Abs(float64(got[c][i]) - want[c][i]); d > 1e-6 {
							t.Fatalf("channel %d frame %d = %v, want %v", c, i, got[c][i], want[c][i])
						}
					}
				}
				if b, err := w.Next(); b != nil || !errors.Is(err, io.EOF) {
					t.Fatalf("after the end: %v, %v; want nil, EOF", b, err)
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
		code string
		msg  string // substring of the error
	}{
		{"empty file", nil, "audio_decode", "empty"},
		{"not RIFF", []byte("hello, world, this is text"), "unsupported_format", "not WAV"},
		{"RIFF but AVI", []byte("RIFF\x10\x00\x00\x00AVI LIST\x00\x00\x00\x00"), "unsupported_format", `form type is not "WAVE"`},
		{"RIFF truncated to 3 bytes", []byte("RIF"), "audio_decode", "truncated"},
		{"truncated header", good[:11], "audio_decode", "truncated"},
		{"truncated in fmt chunk header", good[:16], "audio_decode", "truncated"},
		{"truncated in fmt body", good[:30], "audio_decode", "truncated"},
		{"fmt chunk too short", shortFmt, "audio_decode", "need at least 16"},
		{"extensible fmt too short", extShort, "audio_decode", "need 40"},
		{"channels 0", patch16(22, 0), "audio_decode", "0 channels"},
		{"rate 0", patch32(24, 0), "audio_decode", "sample rate of 0"},
		{"bits 12", patch16(34, 12), "audio_decode", "12 bits"},
		{"bits 0", patch16(34, 0), "audio_decode", "0 bits"},
		{"block align mismatch", patch16(32, 6), "audio_decode", "block align 6"},
		{"byte rate mismatch", patch32(28, 12345), "audio_decode", "byte rate 12345"},
		{"float 16-bit", withFmt(spec, wavSpec{tag: 3, channels: 2, rate: 16000, bits: 16}.fmtBody(), data), "audio_decode", "IEEE float"},
		{"pcm 40-bit", withFmt(spec, wavSpec{tag: 1, channels: 1, rate: 16000, bits: 40}.fmtBody(), data[:40]), "unsupported_format", "40-bit"},
		{"too many channels", withFmt(spec, wavSpec{tag: 1, channels: 65, rate: 16000, bits: 16}.fmtBody(), nil), "unsupported_format", "65 channels"},
		{"rate too low", withFmt(spec, wavSpec{tag: 1, channels: 1, rate: 999, bits: 16}.fmtBody(), nil), "unsupported_format", "999 Hz"},
		{"rate too high", withFmt(spec, wavSpec{tag: 1, channels: 1, rate: 384001, bits: 16}.fmtBody(), nil), "unsupported_format", "384001 Hz"},
		{"ADPCM codec", adpcmFile, "unsupported_format", "ADPCM"},
		{"unknown extensible GUID", badGUID, "unsupported_format", "GUID"},
		{"missing data chunk", noData, "audio_decode", "no data chunk"},
		{"missing fmt chunk", []byte("RIFF\x04\x00\x00\x00WAVE"), "audio_decode", "no fmt chunk"},
		{"data before fmt", dataFirst, "audio_decode", "before the fmt"},
		{"lying chunk size before data", lyingList, "audio_decode", `"LIST"`},
		{"data size not whole frames", patch32(40, 398), "audio_decode", "whole number"},
		{"data larger than file", patch32(40, 4000), "audio_decode", "declares 4000 bytes"},
		{"truncated data", good[:len(good)-4], "audio_decode", "declares 400 bytes"},
		{"partial trailing frame", buildWAV(wavSpec{tag: 1, channels: 2, rate: 16000, bits: 16, dataSize: -1}, data[:len(data)-1]), "audio_decode", "partial frame"},
		{"RIFX", []byte("RIFX\x00\x00\x00\x24WAVEfmt "), "unsupported_format", "RIFX"},
		{"no bytes echoed", []byte("secret-token-123 is not audio"), "unsupported_format", "not WAV"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, err := NewDecoder(bytes.NewReader(tc.file))
			if err == nil {
				_, err = readAll(t, w)
			}
			if err == nil {
				t.Fatal("no error")
			}
			t.Log(err)
			if got := codeOf(err); got != tc.code {
				t.Fatalf("code %q, want %q (error: %v)", got, tc.code, err)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Fatalf("error %q echoes the file's bytes", err)
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
	w, err := NewDecoder(bytes.NewReader(buildWAV(spec, data)))
	if err != nil {
		t.Fatal(err)
	}
	if w.Info().Frames != 1<<19 {
		t.Fatalf("Frames = %d, want the declared %d", w.Info().Frames, 1<<19)
	}
	got, err := readAll(t, w)
	if codeOf(err) != "audio_decode" {
		t.Fatalf("error %v, want audio_decode", err)
	}
	if len(got[0]) != len(want[0]) {
		t.Fatalf("%d frames before the error, want %d", len(got[0]), len(want[0]))
	}
	// The error is sticky.
	if _, err2 := w.Next(); err2 != err {
		t.Fatalf("second error %v, want %v", err2, err)
	}
}

// TestWAVReaderIOError checks that an error of the underlying reader is
// passed through, not reported as bad audio.
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
			w, err := NewDecoder(tc.r)
			if err == nil {
				_, err = readAll(t, w)
			}
			if !errors.Is(err, iotest.ErrTimeout) {
				t.Fatalf("error %v, want one wrapping %v", err, iotest.ErrTimeout)
			}
			if c := codeOf(err); c != "internal" {
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
	w, err := NewDecoder(bytes.NewReader(buildWAV(wavSpec{tag: 3, channels: 1, rate: 16000, bits: 32}, data)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := readAll(t, w)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if got[0][i] != want[i] {
			t.Errorf("sample %d (%v) = %v, want %v", i, vals[i], got[0][i], want[i])
		}
	}
}

func TestWAVChannelMask(t *testing.T) {
	spec := wavSpec{tag: 1, channels: 6, rate: 48000, bits: 16, extensible: true}
	data, _ := testSignal(spec, 10)
	w, err := NewDecoder(bytes.NewReader(buildWAV(spec, data)))
	if err != nil {
		t.Fatal(err)
	}
	if got := w.Info().Layout.String(); got != "FL+FR+FC+LFE+BL+BR" {
		t.Fatalf("layout %s from mask 0x3F", got)
	}
	spec.extensible = false
	spec.channels = 3
	data, _ = testSignal(spec, 10)
	if w, err = NewDecoder(bytes.NewReader(buildWAV(spec, data))); err != nil {
		t.Fatal(err)
	}
	if got := w.Info().Layout.String(); got != "FL+FR+LFE" {
		t.Fatalf("layout %s without a mask, want ffmpeg's default for 3 channels", got)
	}
}

func TestWAVNextAllocs(t *testing.T) {
	spec := wavSpec{tag: 1, channels: 2, rate: 44100, bits: 16}
	data, _ := testSignal(spec, 44100)
	file := buildWAV(spec, data)
	w, err := NewDecoder(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(8, func() {
		if _, err := w.Next(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("Next allocates %v times per call", allocs)
	}
}
