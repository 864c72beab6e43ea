package aac

import (
	"errors"
	"strings"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// asc builds an AudioSpecificConfig: object type, sampling index (15 for
// an explicit rate), channel configuration, then the GASpecificConfig
// flags; extra writes what follows.
func asc(objectType, sfi int, rate uint32, chanCfg int, frame960 bool, extra func(*bitWriter)) []byte {
	var w bitWriter
	if objectType >= 31 {
		w.write(31, 5)
		w.write(uint32(objectType-32), 6)
	} else {
		w.write(uint32(objectType), 5)
	}
	w.write(uint32(sfi), 4)
	if sfi == 15 {
		w.write(rate, 24)
	}
	w.write(uint32(chanCfg), 4)
	if objectType == objectLC {
		w.write(b2u(frame960), 1)
		w.write(0, 1) // dependsOnCoreCoder
		w.write(0, 1) // extensionFlag
	}
	if extra != nil {
		extra(&w)
	}
	w.align()
	return w.bytes()
}

// writePCE writes a program_config_element with the given front, side,
// back elements (true for a CPE) and LFE count.
func writePCE(w *bitWriter, front, side, back []bool, lfe int) {
	w.write(0, 4) // element_instance_tag
	w.write(1, 2) // object_type LC
	w.write(4, 4) // sampling_frequency_index
	w.write(uint32(len(front)), 4)
	w.write(uint32(len(side)), 4)
	w.write(uint32(len(back)), 4)
	w.write(uint32(lfe), 2)
	w.write(0, 3) // assoc data
	w.write(0, 4) // cc
	w.write(0, 3) // no mixdowns
	tag := uint32(0)
	for _, g := range [][]bool{front, side, back} {
		for _, cpe := range g {
			w.write(b2u(cpe), 1)
			w.write(tag, 4)
			tag++
		}
	}
	for i := range lfe {
		w.write(uint32(i), 4)
	}
	w.align()
	w.write(0, 8) // comment_field_bytes
}

func TestParseConfig(t *testing.T) {
	c, err := ParseConfig([]byte{0x12, 0x10})
	if err != nil {
		t.Fatal(err)
	}
	want := Config{ObjectType: 2, SampleRate: 44100, SamplingIndex: 4, Channels: 2, ChannelConfig: 2, FrameLength: 1024}
	if c != want {
		t.Errorf("ParseConfig(12 10) = %+v, want %+v", c, want)
	}
	if c.Layout().String() != "FL+FR" {
		t.Errorf("layout %v", c.Layout())
	}
	// An explicit rate uses the tables of the nearest standard one.
	c, err = ParseConfig(asc(2, 15, 50000, 1, false, nil))
	if err != nil || c.SampleRate != 50000 || c.SamplingIndex != 3 || c.Channels != 1 {
		t.Errorf("explicit 50 kHz: %+v, %v", c, err)
	}
	// SBR explicitly absent in the backward-compatible extension.
	c, err = ParseConfig(asc(2, 6, 0, 2, false, func(w *bitWriter) {
		w.write(syncExtensionSBR, 11)
		w.write(objectSBR, 5)
		w.write(0, 1)
	}))
	if err != nil || c.SampleRate != 24000 {
		t.Errorf("LC with sbrPresentFlag 0: %+v, %v", c, err)
	}
	// Channel configurations and their layouts.
	layouts := map[int]string{
		1: "FC", 2: "FL+FR", 3: "FC+FL+FR", 4: "FC+FL+FR+BC", 5: "FC+FL+FR+BL+BR",
		6: "FC+FL+FR+BL+BR+LFE", 7: "FC+FLC+FRC+FL+FR+BL+BR+LFE",
	}
	for cfg, l := range layouts {
		c, err := ParseConfig(asc(2, 3, 0, cfg, false, nil))
		if err != nil {
			t.Fatalf("config %d: %v", cfg, err)
		}
		d, err := NewDecoder(c)
		if err != nil {
			t.Fatalf("config %d: %v", cfg, err)
		}
		if got := d.Layout().String(); got != l || c.Layout().String() != l || d.Channels() != c.Channels || d.SampleRate() != 48000 {
			t.Errorf("config %d: layout %s (config says %v), %d channels, want %s", cfg, got, c.Layout(), d.Channels(), l)
		}
	}
}

func TestParseConfigProgram(t *testing.T) {
	// Front centre and pair, a side pair, a back centre, one LFE.
	c, err := ParseConfig(asc(2, 3, 0, 0, false, func(w *bitWriter) {
		writePCE(w, []bool{false, true}, []bool{true}, []bool{false}, 1)
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Channels != 7 || c.Layout().String() != "FC+FL+FR+SL+SR+BC+LFE" {
		t.Errorf("PCE config: %d channels, layout %v", c.Channels, c.Layout())
	}
	d, err := NewDecoder(c)
	if err != nil {
		t.Fatal(err)
	}
	if d.Layout().String() != c.Layout().String() {
		t.Errorf("decoder layout %v, config %v", d.Layout(), c.Layout())
	}
	// Two front pairs: the inner one is left/right of centre.
	c, err = ParseConfig(asc(2, 3, 0, 0, false, func(w *bitWriter) {
		writePCE(w, []bool{true, true}, nil, nil, 0)
	}))
	if err != nil || c.Layout().String() != "FLC+FRC+FL+FR" {
		t.Errorf("two front pairs: %v, %v", c.Layout(), err)
	}
}

func TestParseConfigErrors(t *testing.T) {
	sbrExt := func(w *bitWriter) {
		w.write(syncExtensionSBR, 11)
		w.write(objectSBR, 5)
		w.write(1, 1)
		w.write(3, 4)
	}
	cases := []struct {
		name string
		asc  []byte
		want error
	}{
		{"empty", nil, pcm.ErrMalformed},
		{"one byte", []byte{0x12}, pcm.ErrMalformed},
		{"object type 0", asc(0, 4, 0, 2, false, nil), pcm.ErrMalformed},
		{"AAC Main", asc(1, 4, 0, 2, false, nil), pcm.ErrUnsupported},
		{"AAC SSR", asc(3, 4, 0, 2, false, nil), pcm.ErrUnsupported},
		{"AAC LTP", asc(4, 4, 0, 2, false, nil), pcm.ErrUnsupported},
		{"HE-AAC", asc(5, 6, 0, 2, false, nil), pcm.ErrUnsupported},
		{"HE-AACv2", asc(29, 6, 0, 1, false, nil), pcm.ErrUnsupported},
		{"ER AAC-LD", asc(23, 3, 0, 1, false, nil), pcm.ErrUnsupported},
		{"USAC (escaped type)", asc(42, 3, 0, 2, false, nil), pcm.ErrUnsupported},
		{"explicit SBR extension", asc(2, 6, 0, 2, false, sbrExt), pcm.ErrUnsupported},
		{"960-sample frames", asc(2, 4, 0, 2, true, nil), pcm.ErrUnsupported},
		{"reserved sampling index", asc(2, 13, 0, 2, false, nil), pcm.ErrMalformed},
		{"explicit rate 0", asc(2, 15, 0, 2, false, nil), pcm.ErrMalformed},
		{"explicit rate too high", asc(2, 15, 1<<24-1, 2, false, nil), pcm.ErrMalformed},
		{"channel configuration 8", asc(2, 4, 0, 8, false, nil), pcm.ErrUnsupported},
		{"channel configuration 13 (22.2)", asc(2, 4, 0, 13, false, nil), pcm.ErrUnsupported},
		{"PCE truncated", asc(2, 4, 0, 0, false, func(w *bitWriter) { w.write(0, 10) }), pcm.ErrMalformed},
		{"PCE without channels", asc(2, 4, 0, 0, false, func(w *bitWriter) { writePCE(w, nil, nil, nil, 0) }), pcm.ErrMalformed},
		{"PCE with 30 channels", asc(2, 4, 0, 0, false, func(w *bitWriter) {
			writePCE(w, []bool{true, true, true, true, true, true, true, true, true, true, true, true, true, true, true}, nil, nil, 0)
		}), pcm.ErrUnsupported},
	}
	for _, c := range cases {
		_, err := ParseConfig(c.asc)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	_, err := ParseConfig(asc(5, 6, 0, 2, false, nil))
	if err == nil || !strings.Contains(err.Error(), "HE-AAC") {
		t.Errorf("HE-AAC error should name HE-AAC: %v", err)
	}
}

func TestNewDecoderRejects(t *testing.T) {
	good := Config{ObjectType: 2, SampleRate: 44100, SamplingIndex: 4, Channels: 2, ChannelConfig: 2, FrameLength: 1024}
	if _, err := NewDecoder(good); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		change func(*Config)
		want   error
	}{
		{"HE-AAC", func(c *Config) { c.ObjectType = 5 }, pcm.ErrUnsupported},
		{"Main", func(c *Config) { c.ObjectType = 1 }, pcm.ErrUnsupported},
		{"960 frames", func(c *Config) { c.FrameLength = 960 }, pcm.ErrUnsupported},
		{"sampling index", func(c *Config) { c.SamplingIndex = 13 }, pcm.ErrMalformed},
		{"negative index", func(c *Config) { c.SamplingIndex = -1 }, pcm.ErrMalformed},
		{"rate", func(c *Config) { c.SampleRate = 0 }, pcm.ErrMalformed},
		{"channels", func(c *Config) { c.Channels = 3 }, pcm.ErrMalformed},
		{"config 0 without PCE", func(c *Config) { c.ChannelConfig = 0 }, pcm.ErrUnsupported},
		{"config 9", func(c *Config) { c.ChannelConfig = 9 }, pcm.ErrUnsupported},
	}
	for _, c := range cases {
		cfg := good
		c.change(&cfg)
		if _, err := NewDecoder(cfg); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}
