package flac

import (
	"errors"
	"strings"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// wantMalformed decodes data and wants an error wrapping pcm.ErrMalformed
// whose message holds want.
func wantMalformed(t *testing.T, name string, data []byte, want string) {
	t.Helper()
	_, _, err := decodeBytes(t, data)
	switch {
	case err == nil:
		t.Errorf("%s: decoded without error", name)
	case !errors.Is(err, pcm.ErrMalformed):
		t.Errorf("%s: %v, want ErrMalformed", name, err)
	case !strings.Contains(err.Error(), want):
		t.Errorf("%s: %q does not say %q", name, err, want)
	}
}

// stereoStream is a valid two-frame stereo stream to break.
func stereoStream() *testStream {
	l, r := signal(2000, 16, 1), signal(2000, 16, 2)
	return &testStream{rate: 44100, channels: 2, bits: 16, total: -1, frames: []testFrame{
		{samples: [][]int64{l[:1152], r[:1152]}, assign: assignMidSide, subs: []subSpec{fixed(2), lpc([]int64{1 << 10, -1 << 8}, 10)}},
		{samples: [][]int64{l[1152:], r[1152:]}, assign: assignLeftSide},
	}}
}

func TestMalformedFrames(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(s *testStream)
		frame func(f *testFrame) // edits the second frame
		want  string
	}{
		{name: "reserved bit", frame: func(f *testFrame) { f.reserved = true }, want: "reserved bit"},
		{name: "block size code 0", frame: func(f *testFrame) { f.bsCode = 0xF0 }, want: "reserved block size"},
		{name: "sample rate code 15", frame: func(f *testFrame) { f.rateCode = 15 }, want: "forbidden sample rate"},
		{name: "channel assignment 11", frame: func(f *testFrame) { f.assign = 11 }, want: "reserved channel assignment 11"},
		{name: "channel assignment 15", frame: func(f *testFrame) { f.assign = 15 }, want: "reserved channel assignment 15"},
		{name: "bit depth code 3", frame: func(f *testFrame) { f.bitsCode = 3 }, want: "reserved bit depth"},
		{name: "block size 65536", frame: func(f *testFrame) { f.bsCode, f.extraBS = 7, 65535 }, want: "forbidden block size"},
		{name: "channel count", frame: func(f *testFrame) { f.assign = 2 }, want: "3 channels in a stream of 2"},
		{name: "sample rate", frame: func(f *testFrame) { f.rateCode = 10 }, want: "48000 Hz in a stream at 44100"},
		{name: "bit depth", frame: func(f *testFrame) { f.bitsCode = 6 }, want: "24 bits per sample in a stream of 16"},
		{name: "block size above maximum", edit: func(s *testStream) { s.maxBlock = 1000 }, want: "above STREAMINFO's maximum"},
		{name: "blocking strategy", frame: func(f *testFrame) { f.flipStrategy = true }, want: "blocking strategy changes"},
		{name: "coded number", frame: func(f *testFrame) { f.badNumber = true }, want: "invalid coded number"},
		{name: "coded number continuation", frame: func(f *testFrame) { f.numberBytes = []byte{0xC2, 0x41} }, want: "invalid coded number"},
		{name: "frame number of 36 bits", frame: func(f *testFrame) { f.numberBytes = []byte{0xFE, 0x80, 0x80, 0x80, 0x80, 0x80, 0x81} }, want: "more than 31 bits"},
		{name: "subframe padding bit", frame: func(f *testFrame) { f.subs = []subSpec{{header: 0x80 | 8<<1}} }, want: "first bit of a subframe header"},
		{name: "subframe type 2", frame: func(f *testFrame) { f.subs = []subSpec{{header: 2 << 1}} }, want: "reserved subframe type 2"},
		{name: "subframe type 13", frame: func(f *testFrame) { f.subs = []subSpec{{header: 13 << 1}} }, want: "reserved subframe type 13"},
		{name: "subframe type 31", frame: func(f *testFrame) { f.subs = []subSpec{{header: 31 << 1}} }, want: "reserved subframe type 31"},
		{name: "all bits wasted", frame: func(f *testFrame) {
			f.subs = []subSpec{{kind: kindConstant, wasted: 16}}
		}, want: "declares 16 wasted bits"},
		{name: "LPC precision code 15", frame: func(f *testFrame) {
			f.subs = []subSpec{{kind: kindLPC, order: 1, coefs: []int64{100}, precision: 16, param: -1}}
		}, want: "precision code 15"},
		{name: "negative LPC shift", frame: func(f *testFrame) {
			f.subs = []subSpec{{kind: kindLPC, order: 1, coefs: []int64{100}, precision: 12, shift: -2, param: -1}}
		}, want: "negative linear predictor shift -2"},
		{name: "residual method 2", frame: func(f *testFrame) { f.subs = []subSpec{{kind: kindFixed, order: 1, method: 2, param: -1}} }, want: "reserved residual coding method 2"},
		{name: "residual method 3", frame: func(f *testFrame) { f.subs = []subSpec{{kind: kindFixed, order: 1, method: 3, param: -1}} }, want: "reserved residual coding method 3"},
		{name: "partitions do not divide the block", frame: func(f *testFrame) {
			f.samples[0], f.samples[1] = f.samples[0][:847], f.samples[1][:847]
			f.subs = []subSpec{{kind: kindFixed, order: 1, partOrder: 1, param: -1}}
		}, want: "does not split into 2^1"},
		{name: "partition shorter than the order", frame: func(f *testFrame) {
			f.samples[0], f.samples[1] = f.samples[0][:32], f.samples[1][:32]
			f.subs = []subSpec{{kind: kindFixed, order: 3, partOrder: 4, param: -1}}
		}, want: "partitions of 2 samples after a predictor of order 3"},
		{name: "order above the block size", frame: func(f *testFrame) {
			f.samples[0], f.samples[1] = f.samples[0][:3], f.samples[1][:3]
			f.subs = []subSpec{{kind: kindFixed, order: 4, param: -1}}
		}, want: "order 4 in a block of 3"},
		{name: "sample out of range", frame: func(f *testFrame) {
			f.samples[0][5] = 40000
			f.subs = []subSpec{fixed(1)}
		}, want: "outside the 16-bit range"},
	}
	for _, tc := range cases {
		s := stereoStream()
		if tc.edit != nil {
			tc.edit(s)
		}
		if tc.frame != nil {
			f := &s.frames[1]
			f.samples = [][]int64{append([]int64(nil), f.samples[0]...), append([]int64(nil), f.samples[1]...)}
			tc.frame(f)
		}
		wantMalformed(t, tc.name, s.encode(), tc.want)
	}
}

func TestCorruptChecksums(t *testing.T) {
	data := stereoStream().encode()
	_, got, err := decodeBytes(t, data)
	if err != nil || len(got.ints[0]) != 2000 {
		t.Fatalf("valid stream: %v", err)
	}
	first := frameOffsets(t, data)[0]
	// The header's CRC-8 byte is its 6th byte here (1-byte number, no
	// uncommon size or rate); the frame's CRC-16 ends the frame.
	bad := append([]byte(nil), data...)
	bad[first+5] ^= 1
	wantMalformed(t, "CRC-8", bad, "CRC-8 mismatch")
	bad = append([]byte(nil), data...)
	bad[frameOffsets(t, data)[1]-1] ^= 0x10
	wantMalformed(t, "CRC-16", bad, "CRC-16 mismatch")
	bad = append([]byte(nil), data...)
	bad[first+20] ^= 0x04
	wantMalformed(t, "bit flip in a subframe", bad, "malformed")
}

func TestMalformedMetadata(t *testing.T) {
	valid := stereoStream().encode()
	edit := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), valid...)) }
	si := 8 // offset of the STREAMINFO body
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "empty"},
		{"half a marker", []byte("fL"), "inside the fLaC marker"},
		{"marker only", []byte("fLaC"), "metadata block header: the stream ends inside it"},
		{"ID3v2 only", []byte("ID3\x04\x00\x00\x00\x00\x00\x00"), "empty, or holds only ID3v2 tags"},
		{"truncated ID3v2 header", []byte("ID3\x04\x00"), "inside an ID3v2 tag header"},
		{"invalid ID3v2 size", []byte("ID3\x04\x00\x00\x80\x00\x00\x00fLaC"), "invalid ID3v2 tag header"},
		{"ID3v2 larger than the file", append([]byte("ID3\x04\x00\x00\x7f\x7f\x7f\x7f"), valid...), "ID3v2 tag: the stream ends inside it"},
		{"first block not STREAMINFO", edit(func(b []byte) []byte { b[4] = 1; return b }), "first metadata block is a PADDING"},
		{"STREAMINFO size", edit(func(b []byte) []byte { b[7] = 33; return b }), "STREAMINFO block is 33 bytes"},
		{"maximum block size 15", edit(func(b []byte) []byte { b[si], b[si+1], b[si+2], b[si+3] = 0, 15, 0, 15; return b }), "maximum block size of 15"},
		{"minimum above maximum", edit(func(b []byte) []byte { b[si], b[si+1] = 0xFF, 0xFF; return b }), "minimum block size of 65535"},
		{"3 bits per sample", edit(func(b []byte) []byte { b[si+12] = b[si+12]&^0x01 | 0; b[si+13] = b[si+13]&0x0F | 2<<4; return b }), "3 bits per sample"},
		{"type 127", edit(func(b []byte) []byte { b[4] = 0; return append(b[:42], append([]byte{0xFF, 0, 0, 0}, b[42:]...)...) }), "type 127"},
		{"second STREAMINFO", edit(func(b []byte) []byte {
			b[4] = 0
			return append(b[:42], append([]byte{0x80, 0, 0, 34}, b[8:]...)...)
		}), "second STREAMINFO"},
		{"block past the end", edit(func(b []byte) []byte {
			b[4] = 0
			return append(b[:42], 0x86, 0x10, 0, 0, 1, 2, 3)
		}), "PICTURE metadata block: the stream ends inside it"},
	}
	for _, tc := range cases {
		wantMalformed(t, tc.name, tc.data, tc.want)
	}
}

func TestUnsupported(t *testing.T) {
	rate := func(r int) []byte {
		s := stereoStream()
		s.rate = r
		return s.encode()
	}
	cases := map[string][]byte{
		"Ogg":                []byte("OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00"),
		"WAV":                []byte("RIFF\x24\x00\x00\x00WAVEfmt "),
		"ID3v2 then MP3":     []byte("ID3\x03\x00\x00\x00\x00\x00\x00\xFF\xFB\x90\x00"),
		"sample rate 0":      rate(0),
		"sample rate 999":    rate(999),
		"sample rate 384001": rate(384001),
		"sample rate 655350": rate(655350),
	}
	for name, data := range cases {
		_, _, err := decodeBytes(t, data)
		if !errors.Is(err, pcm.ErrUnsupported) {
			t.Errorf("%s: %v, want ErrUnsupported", name, err)
		}
	}
}
