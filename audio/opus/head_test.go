package opus

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// makeHead builds an OpusHead packet.
func makeHead(version, channels, preSkip int, rate uint32, gain int16, family int, streams, coupled int, mapping []byte) []byte {
	b := []byte("OpusHead")
	b = append(b, byte(version), byte(channels))
	b = binary.LittleEndian.AppendUint16(b, uint16(preSkip))
	b = binary.LittleEndian.AppendUint32(b, rate)
	b = binary.LittleEndian.AppendUint16(b, uint16(gain))
	b = append(b, byte(family))
	if family != 0 {
		b = append(b, byte(streams), byte(coupled))
		b = append(b, mapping...)
	}
	return b
}

func TestParseHead(t *testing.T) {
	h, err := ParseHead(makeHead(1, 2, 312, 44100, -256, 0, 0, 0, nil))
	if err != nil {
		t.Fatal(err)
	}
	want := Head{Version: 1, Channels: 2, PreSkip: 312, InputRate: 44100, OutputGain: -256, MappingFamily: 0, Streams: 1, Coupled: 1, Mapping: []byte{0, 1}}
	if h.Version != want.Version || h.Channels != want.Channels || h.PreSkip != want.PreSkip || h.InputRate != want.InputRate ||
		h.OutputGain != want.OutputGain || h.Streams != want.Streams || h.Coupled != want.Coupled || string(h.Mapping) != string(want.Mapping) {
		t.Errorf("got %+v, want %+v", h, want)
	}

	// Family 1, 5.1, with trailing bytes (RFC 7845: ignored).
	b := append(makeHead(1, 6, 0, 48000, 0, 1, 4, 2, []byte{0, 4, 1, 2, 3, 5}), 0xAA, 0xBB)
	h, err = ParseHead(b)
	if err != nil {
		t.Fatal(err)
	}
	if h.Streams != 4 || h.Coupled != 2 || string(h.Mapping) != "\x00\x04\x01\x02\x03\x05" {
		t.Errorf("5.1 head: %+v", h)
	}
	// Family 255 with a silent channel; a minor version above 0.
	h, err = ParseHead(makeHead(15, 3, 0, 0, 0, 255, 2, 0, []byte{0, 255, 1}))
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewDecoder(h)
	if err != nil {
		t.Fatal(err)
	}
	if d.Channels() != 3 || d.Layout().String() != "?+?+?" {
		t.Errorf("family 255: %d channels, layout %v", d.Channels(), d.Layout())
	}
}

func TestParseHeadErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, pcm.ErrMalformed},
		{"magic", []byte("OpusTags\x01\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00"), pcm.ErrMalformed},
		{"short", makeHead(1, 2, 0, 0, 0, 0, 0, 0, nil)[:18], pcm.ErrMalformed},
		{"version 1.0", makeHead(16, 2, 0, 0, 0, 0, 0, 0, nil), pcm.ErrUnsupported},
		{"version 15.x", makeHead(255, 2, 0, 0, 0, 0, 0, 0, nil), pcm.ErrUnsupported},
		{"0 channels", makeHead(1, 0, 0, 0, 0, 0, 0, 0, nil), pcm.ErrMalformed},
		{"family 0 with 3 channels", makeHead(1, 3, 0, 0, 0, 0, 0, 0, nil), pcm.ErrMalformed},
		{"family 1 with 9 channels", makeHead(1, 9, 0, 0, 0, 1, 9, 0, []byte{0, 1, 2, 3, 4, 5, 6, 7, 8}), pcm.ErrMalformed},
		{"family 1 truncated mapping", makeHead(1, 6, 0, 0, 0, 1, 4, 2, []byte{0, 4, 1}), pcm.ErrMalformed},
		{"family 1 without table", makeHead(1, 2, 0, 0, 0, 1, 1, 1, []byte{0, 1})[:19], pcm.ErrMalformed},
		{"0 streams", makeHead(1, 2, 0, 0, 0, 1, 0, 0, []byte{0, 1}), pcm.ErrMalformed},
		{"coupled > streams", makeHead(1, 2, 0, 0, 0, 1, 1, 2, []byte{0, 1}), pcm.ErrMalformed},
		{"streams+coupled > 255", makeHead(1, 2, 0, 0, 0, 255, 200, 100, []byte{0, 1}), pcm.ErrMalformed},
		{"mapping out of range", makeHead(1, 2, 0, 0, 0, 1, 1, 0, []byte{0, 1}), pcm.ErrMalformed},
		{"family 2 (ambisonics)", makeHead(1, 4, 0, 0, 0, 2, 4, 0, []byte{0, 1, 2, 3}), pcm.ErrUnsupported},
		{"family 3 (projection)", makeHead(1, 4, 0, 0, 0, 3, 2, 2, []byte{0, 1, 2, 3}), pcm.ErrUnsupported},
		{"family 254", makeHead(1, 2, 0, 0, 0, 254, 2, 0, []byte{0, 1}), pcm.ErrUnsupported},
		{"65 channels", makeHead(1, 65, 0, 0, 0, 255, 65, 0, make([]byte, 65)), pcm.ErrUnsupported},
		{"too many streams", makeHead(1, 2, 0, 0, 0, 255, 200, 0, []byte{0, 1}), pcm.ErrUnsupported},
	} {
		_, err := ParseHead(c.b)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

// TestNewDecoderChecksHead: a Head not from ParseHead is validated too.
func TestNewDecoderChecksHead(t *testing.T) {
	for _, h := range []Head{
		{Channels: 2, Streams: 1, Coupled: 0, Mapping: []byte{0, 1}},
		{Channels: 3, Streams: 1, Coupled: 1, Mapping: []byte{0, 1, 2}},
		{Channels: 2, MappingFamily: 1, Streams: 1, Coupled: 1, Mapping: []byte{0}},
		{Channels: -1},
	} {
		if _, err := NewDecoder(h); !errors.Is(err, pcm.ErrMalformed) {
			t.Errorf("%+v: %v, want ErrMalformed", h, err)
		}
	}
}
