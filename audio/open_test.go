package audio

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
	"github.com/xdna-worker/xdna-worker/audio/ffmpeg"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
	"github.com/xdna-worker/xdna-worker/audio/wav"
)

// ffmpegOnly are committed files (testdata/make.sh) of formats no pure-Go
// decoder handles.
var ffmpegOnly = map[string]Format{
	"adpcm.wav":     FormatWAV,
	"tone.gsm.wav":  FormatWAV,
	"tone.aiff":     FormatAIFF,
	"tone.wma":      FormatASF,
	"tone.caf":      FormatCAF,
	"tone.ac3":      FormatAC3,
	"tone-alac.m4a": FormatMP4,
}

func open(t *testing.T, name string) *os.File {
	t.Helper()
	return audiotest.Open(t, filepath.Join("testdata", name))
}

func toneWAV(seconds float64) []byte {
	var b bytes.Buffer
	s := make([]float32, int(seconds*16000))
	for i := range s {
		s[i] = float32(0.5 * math.Sin(2*math.Pi*440*float64(i)/16000))
	}
	wav.Write(&b, s, 16000)
	return b.Bytes()
}

func TestSniff(t *testing.T) {
	mp3 := func(n int) []byte { // n MPEG-1 layer III frames of 128 kbit/s at 44.1 kHz (417 bytes)
		var b []byte
		for range n {
			f := make([]byte, 417)
			copy(f, []byte{0xFF, 0xFB, 0x90, 0x64})
			b = append(b, f...)
		}
		return b
	}
	adts := func(n int) []byte {
		var b []byte
		for range n {
			f := make([]byte, 100)
			copy(f, []byte{0xFF, 0xF1, 0x50, 0x80, 0x0C, 0x9F, 0xFC}) // 100-byte frame
			b = append(b, f...)
		}
		return b
	}
	tests := []struct {
		name string
		b    []byte
		want Format
	}{
		{"wav", toneWAV(0.01), FormatWAV},
		{"rf64", []byte("RF64\xff\xff\xff\xffWAVEds64"), FormatWAV},
		{"avi", []byte("RIFF\x00\x00\x00\x00AVI LIST"), FormatRIFF},
		{"flac", []byte("fLaC\x00\x00\x00\x22"), FormatFLAC},
		{"ogg", []byte("OggS\x00\x02"), FormatOgg},
		{"webm", []byte("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01"), FormatMatroska},
		{"m4a", []byte("\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00"), FormatMP4},
		{"mov with mdat first", []byte("\x00\x00\x00\x08mdat\x00\x00\x00\x10moov"), FormatMP4},
		{"aiff", []byte("FORM\x00\x00\x00\x10AIFFCOMM"), FormatAIFF},
		{"mp3", mp3(3), FormatMP3},
		{"mp3 after junk", append([]byte("junk\x00\xff\x00 not a frame"), mp3(2)...), FormatMP3},
		{"one mp3 frame", mp3(1), FormatMP3},
		{"mp3 sync without a second frame", append(mp3(1)[:400], []byte("garbage that is not a header")...), FormatUnknown},
		{"adts", adts(3), FormatADTS},
		{"text", []byte("hello, this is not audio"), FormatUnknown},
		{"empty", nil, FormatUnknown},
	}
	for _, tc := range tests {
		if got := Sniff(tc.b); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	for name, want := range ffmpegOnly {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		if got := Sniff(b); got != want {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
}

func TestOpenSkipsID3BeforeAnyFormat(t *testing.T) {
	tag := []byte("ID3\x04\x00\x00\x00\x00\x01\x00") // 128-byte body
	tag = append(tag, make([]byte, 128)...)
	file := append(tag, toneWAV(0.5)...)
	d, err := Open(context.Background(), bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Format() != FormatWAV {
		t.Fatalf("format %v", d.Format())
	}
	if n, err := audiotest.Count(d); err != nil || n != 8000 {
		t.Fatalf("%d frames, %v", n, err)
	}
}

func TestOpenBadInput(t *testing.T) {
	onlyTag := []byte("ID3\x03\x00\x00\x00\x00\x00\x05hello")
	for name, tc := range map[string]struct {
		b    []byte
		want error
	}{
		"empty":         {nil, pcm.ErrMalformed},
		"only a tag":    {onlyTag, pcm.ErrMalformed},
		"text":          {[]byte("secret: not audio at all"), pcm.ErrUnsupported},
		"many ID3 tags": {bytes.Repeat([]byte("ID3\x03\x00\x00\x00\x00\x00\x00"), 10), pcm.ErrMalformed},
	} {
		_, err := Open(context.Background(), bytes.NewReader(tc.b), int64(len(tc.b)))
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: error echoes the file: %v", name, err)
		}
	}
}

// TestOpenWithoutFFmpeg: formats with no pure-Go decoder fail as
// unsupported, and the message says how to get them decoded.
func TestOpenWithoutFFmpeg(t *testing.T) {
	for name := range ffmpegOnly {
		f := open(t, name)
		_, err := Open(context.Background(), f, 0)
		if !errors.Is(err, pcm.ErrUnsupported) || !strings.Contains(err.Error(), "FFMPEG_PATH") {
			t.Errorf("%s: %v, want unsupported naming FFMPEG_PATH", name, err)
		}
	}
}

func TestOpenWithFFmpeg(t *testing.T) {
	cfg := ffmpeg.Config{Path: audiotest.FFmpeg(t), Timeout: time.Minute}
	for name := range ffmpegOnly {
		t.Run(name, func(t *testing.T) {
			d, err := Open(context.Background(), open(t, name), 0, WithFFmpeg(cfg))
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if i := d.Info(); i.Codec != "ffmpeg" || i.SampleRate != 16000 {
				t.Fatalf("info %+v, want ffmpeg's 16 kHz output", i)
			}
			n, err := audiotest.Count(d)
			if err != nil {
				t.Fatal(err)
			}
			// 1 s of source; codecs add up to a frame of padding.
			if n < 15800 || n > 16600 {
				t.Fatalf("%d samples, want about 16000", n)
			}
		})
	}
}

// TestLyingWAVHeaderIsNotTrusted: a data size beyond the file is not a
// length to reject the job on.
func TestLyingWAVHeaderIsNotTrusted(t *testing.T) {
	file := toneWAV(0.1)
	binary.LittleEndian.PutUint32(file[40:], 1<<30)
	d, err := Open(context.Background(), bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	if d.Info().Frames != -1 {
		t.Fatalf("Frames = %d from a header that claims more than the file", d.Info().Frames)
	}
	if _, err := audiotest.Count(d); !errors.Is(err, pcm.ErrMalformed) {
		t.Fatalf("decode: %v, want malformed (truncated)", err)
	}
}

// unsupportedLater fails with ErrUnsupported on its first Next, as a
// decoder does that finds an unsupported feature in its first frame.
type unsupportedLater struct{}

func (unsupportedLater) Info() pcm.Info {
	return pcm.Info{Codec: "test", SampleRate: 44100, Layout: pcm.LayoutStereo, Frames: -1}
}

func (unsupportedLater) Next() ([][]float32, error) {
	return nil, errors.Join(errors.New("test: SBR found in the first frame"), pcm.ErrUnsupported)
}

func TestNextHandsOverToFFmpegBeforeAnySample(t *testing.T) {
	cfg := ffmpeg.Config{Path: audiotest.FFmpeg(t), Timeout: time.Minute}
	f := open(t, "tone.aiff")
	d := &Decoder{format: FormatAIFF, dec: unsupportedLater{}, ctx: context.Background(), r: f, opts: options{ffmpeg: &cfg}}
	defer d.Close()
	n, err := audiotest.Count(d)
	if err != nil || n < 15900 {
		t.Fatalf("%d samples, %v; want ffmpeg's decode", n, err)
	}
	// Without ffmpeg, the error stands.
	d = &Decoder{format: FormatAIFF, dec: unsupportedLater{}, ctx: context.Background(), r: f}
	if _, err := audiotest.Count(d); !errors.Is(err, pcm.ErrUnsupported) {
		t.Fatalf("without ffmpeg: %v", err)
	}
}

// TestOpenEveryFixture opens every file the codec packages compare with an
// ffmpeg reference (audio/*/testdata/F with F.s16le.gz or F.s32le.gz) by
// content alone, through Open without ffmpeg, and checks that it decodes
// to the reference's length: the recogniser sends each to its decoder.
func TestOpenEveryFixture(t *testing.T) {
	refs, err := filepath.Glob("*/testdata/*.s[13][62]le.gz")
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) < 40 {
		t.Fatalf("only %d reference decodes found", len(refs))
	}
	for _, ref := range refs {
		name := strings.TrimSuffix(strings.TrimSuffix(ref, ".s16le.gz"), ".s32le.gz")
		t.Run(name, func(t *testing.T) {
			d, err := Open(context.Background(), audiotest.Open(t, name), 0)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer d.Close()
			frames, err := audiotest.Count(d)
			if err != nil {
				t.Fatalf("decode (%v): %v", d.Format(), err)
			}
			want := audiotest.ReadRef(t, ref, d.Info().Channels()).Frames()
			if frames != want {
				t.Fatalf("%v: %d frames, the reference has %d", d.Format(), frames, want)
			}
		})
	}
}

// TestUnrecognisedIsUnsupportedWithFFmpegToo: bytes that neither the
// recogniser nor ffmpeg can identify are an unsupported format, not a
// broken file of some format.
func TestUnrecognisedIsUnsupportedWithFFmpegToo(t *testing.T) {
	cfg := ffmpeg.Config{Path: audiotest.FFmpeg(t), Timeout: time.Minute}
	junk := filepath.Join(t.TempDir(), "junk")
	if err := os.WriteFile(junk, bytes.Repeat([]byte("not audio at all "), 100), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := Open(context.Background(), audiotest.Open(t, junk), 0, WithFFmpeg(cfg))
	if err == nil {
		defer d.Close()
		_, err = audiotest.Count(d)
	}
	if !errors.Is(err, pcm.ErrUnsupported) || !strings.Contains(err.Error(), "nor for ffmpeg") {
		t.Fatalf("%v, want unsupported after ffmpeg tried", err)
	}
}
