package flac

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"
)

// decodeBytes decodes a whole in-memory stream.
func decodeBytes(t testing.TB, data []byte) (*Decoder, decoded, error) {
	dec, err := NewDecoder(bytes.NewReader(data))
	if err != nil {
		return nil, decoded{}, err
	}
	got, err := decodeAll(t, dec)
	return dec, got, err
}

// checkSamples compares a decoded stream with the frames that made it.
func checkSamples(t *testing.T, s *testStream, dec *Decoder, got decoded) {
	t.Helper()
	var want [][]int64
	for _, f := range s.frames {
		for c := range f.samples {
			if c >= len(want) {
				want = append(want, nil)
			}
			want[c] = append(want[c], f.samples[c]...)
		}
	}
	scale := 1 / float64(uint64(1)<<(s.bits-1))
	for c := range want {
		if len(got.ints[c]) != len(want[c]) {
			t.Fatalf("channel %d: %d samples, want %d", c, len(got.ints[c]), len(want[c]))
		}
		for i, v := range want[c] {
			if int64(got.ints[c][i]) != v {
				t.Fatalf("channel %d sample %d: %d, want %d", c, i, got.ints[c][i], v)
			}
			if f := got.floats[c][i]; f != float32(float64(v)*scale) {
				t.Fatalf("channel %d sample %d: float %v, want %v", c, i, f, float32(float64(v)*scale))
			}
		}
	}
	if dec.Info().Frames != int64(len(want[0])) {
		t.Errorf("Info.Frames %d, want %d", dec.Info().Frames, len(want[0]))
	}
}

// mono is one frame of one channel.
func mono(x []int64, sub subSpec) testFrame {
	return testFrame{samples: [][]int64{x}, subs: []subSpec{sub}}
}

func fixed(order int) subSpec { return subSpec{kind: kindFixed, order: order, param: -1} }

func lpc(coefs []int64, shift int) subSpec {
	return subSpec{kind: kindLPC, order: len(coefs), coefs: coefs, precision: 15, shift: shift, param: -1}
}

func TestSubframeKinds(t *testing.T) {
	x := signal(4096, 16, 1)
	constant := make([]int64, 4096)
	for i := range constant {
		constant[i] = -1234
	}
	wasted := make([]int64, 4096)
	for i, v := range x {
		wasted[i] = v &^ 7 // three wasted bits
	}
	long := make([]int64, 32)
	for i := range long {
		long[i] = int64((i%5)-2) * 64 >> (i / 8)
	}
	esc := subSpec{kind: kindFixed, order: 2, partOrder: 2, escape: []bool{true, false, true, true}, param: -1}
	zeroEsc := subSpec{kind: kindFixed, order: 1, partOrder: 1, escape: []bool{true, true}, param: -1}
	cases := map[string]testFrame{
		"constant":               mono(constant, subSpec{kind: kindConstant}),
		"verbatim":               mono(x, subSpec{kind: kindVerbatim}),
		"fixed 0":                mono(x, fixed(0)),
		"fixed 1":                mono(x, fixed(1)),
		"fixed 2":                mono(x, fixed(2)),
		"fixed 3":                mono(x, fixed(3)),
		"fixed 4":                mono(x, fixed(4)),
		"lpc 1":                  mono(x, lpc([]int64{1<<14 - 1}, 14)),
		"lpc 2":                  mono(x, lpc([]int64{3 << 12, -1 << 13}, 12)),
		"lpc 8":                  mono(x, lpc([]int64{900, -300, 200, -100, 50, -25, 12, -6}, 9)),
		"lpc 12":                 mono(x, lpc([]int64{1500, -700, 300, -200, 100, -50, 25, -12, 6, -3, 2, -1}, 10)),
		"lpc 13":                 mono(x, lpc([]int64{1500, -700, 300, -200, 100, -50, 25, -12, 6, -3, 2, -1, 1}, 10)),
		"lpc 32":                 mono(x, lpc(long, 6)),
		"lpc shift 0":            mono(x, lpc([]int64{1, 0, 0}, 0)),
		"lpc precision 1":        mono(x, subSpec{kind: kindLPC, order: 2, coefs: []int64{-1, 0}, precision: 1, param: -1}),
		"wasted bits":            mono(wasted, subSpec{kind: kindFixed, order: 2, wasted: 3, param: -1}),
		"wasted verbatim":        mono(wasted, subSpec{kind: kindVerbatim, wasted: 3}),
		"escaped partitions":     mono(x, esc),
		"escaped zero residual":  mono(constant, zeroEsc),
		"rice2":                  mono(x, subSpec{kind: kindFixed, order: 1, rice2: true, partOrder: 3, param: -1}),
		"rice2 parameter 30":     mono(x[:64], subSpec{kind: kindFixed, order: 1, rice2: true, param: 30}),
		"rice parameter 0":       mono(x[:300], subSpec{kind: kindFixed, order: 2, param: 0}),
		"rice parameter 14":      mono(x, subSpec{kind: kindFixed, order: 2, param: 14}),
		"partition order 8":      mono(x, subSpec{kind: kindFixed, order: 4, partOrder: 8, param: -1}),
		"partition order 15":     mono(make([]int64, 32768), subSpec{kind: kindFixed, order: 0, partOrder: 15, param: -1}),
		"order equals partition": mono(x[:64], subSpec{kind: kindFixed, order: 4, partOrder: 4, param: -1}),
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			s := &testStream{rate: 44100, channels: 1, bits: 16, total: -1, frames: []testFrame{f}}
			dec, got, err := decodeBytes(t, s.encode())
			if err != nil {
				t.Fatal(err)
			}
			checkSamples(t, s, dec, got)
		})
	}
}

func TestBitDepthsAndStereo(t *testing.T) {
	for bits := 4; bits <= 32; bits++ {
		for _, assign := range []int{1, assignLeftSide, assignRightSide, assignMidSide} {
			t.Run(fmt.Sprintf("%d bits assignment %d", bits, assign), func(t *testing.T) {
				l, r := signal(1000, bits, bits), signal(1000, bits, bits+7)
				// Extremes: the side channel takes bits+1 bits.
				lo, hi := int64(-1)<<(bits-1), int64(1)<<(bits-1)-1
				l[10], r[10] = hi, lo
				l[11], r[11] = lo, hi
				l[12], r[12] = lo, lo
				l[13], r[13] = hi, hi
				frames := []testFrame{
					{samples: [][]int64{l, r}, assign: assign, subs: []subSpec{fixed(1), fixed(2)}},
					{samples: [][]int64{l[:300], r[:300]}, assign: assign, subs: []subSpec{{kind: kindVerbatim}, lpc([]int64{1 << 10, -1 << 8}, 10)}},
					{samples: [][]int64{l[:17], r[:17]}, assign: assign, subs: []subSpec{fixed(0), {kind: kindVerbatim}}},
				}
				if assign == 1 {
					frames[0].assign = 0
					frames[1].assign = 0
					frames[2].assign = 0
				}
				s := &testStream{rate: 48000, channels: 2, bits: bits, total: -1, frames: frames}
				dec, got, err := decodeBytes(t, s.encode())
				if err != nil {
					t.Fatal(err)
				}
				checkSamples(t, s, dec, got)
				if dec.BitsPerSample() != bits {
					t.Errorf("BitsPerSample %d", dec.BitsPerSample())
				}
			})
		}
	}
}

func TestChannelCountsAndLayouts(t *testing.T) {
	want := []string{"FC", "FL+FR", "FL+FR+FC", "FL+FR+BL+BR", "FL+FR+FC+SL+SR",
		"FL+FR+FC+LFE+SL+SR", "FL+FR+FC+LFE+BC+SL+SR", "FL+FR+FC+LFE+BL+BR+SL+SR"}
	for n := 1; n <= 8; n++ {
		ch := make([][]int64, n)
		subs := make([]subSpec, n)
		for c := range ch {
			ch[c] = signal(600, 16, c)
			subs[c] = fixed(c % 5)
		}
		s := &testStream{rate: 16000, channels: n, bits: 16, total: -1, frames: []testFrame{{samples: ch, subs: subs}}}
		dec, got, err := decodeBytes(t, s.encode())
		if err != nil {
			t.Fatalf("%d channels: %v", n, err)
		}
		checkSamples(t, s, dec, got)
		if l := dec.Info().Layout.String(); l != want[n-1] {
			t.Errorf("%d channels: layout %s, want %s", n, l, want[n-1])
		}
	}
}

func TestChannelMask(t *testing.T) {
	// What ffmpeg 5.1 made of each value on a 4-channel stream (checked
	// with metaflac --set-tag and ffprobe): the first field counts, read
	// by strtol in base 0; invalid or mismatched masks give the default.
	cases := []struct {
		fields []string
		layout string
	}{
		{[]string{"WAVEFORMATEXTENSIBLE_CHANNEL_MASK=0x5003"}, "FL+FR+TFL+TFR"},
		{[]string{"waveformatextensible_channel_mask=0X5003"}, "FL+FR+TFL+TFR"},
		{[]string{"WAVEFORMATEXTENSIBLE_CHANNEL_MASK= \t+0x000000000000005003junk"}, "FL+FR+TFL+TFR"},
		{[]string{"WAVEFORMATEXTENSIBLE_CHANNEL_MASK=20483"}, "FL+FR+TFL+TFR"},
		{[]string{"WAVEFORMATEXTENSIBLE_CHANNEL_MASK=0120003"}, "FL+FR+TFC+TBL"},
		{[]string{"WAVEFORMATEXTENSIBLE_CHANNEL_MASK=0x30003"}, "FL+FR+TBC+TBR"},
		{[]string{"WAVEFORMATEXTENSIBLE_CHANNEL_MASK=0x603"}, "FL+FR+SL+SR"},
		{[]string{"WAVEFORMATEXTENSIBLE_CHANNEL_MASK=0x3"}, "FL+FR+BL+BR"},
		{[]string{"WAVEFORMATEXTENSIBLE_CHANNEL_MASK=5003"}, "FL+FR+BL+BR"},
		{[]string{"WAVEFORMATEXTENSIBLE_CHANNEL_MASK=0x0"}, "FL+FR+BL+BR"},
		{[]string{"WAVEFORMATEXTENSIBLE_CHANNEL_MASK=0x"}, "FL+FR+BL+BR"},
		{[]string{"WAVEFORMATEXTENSIBLE_CHANNEL_MASK=00x5003"}, "FL+FR+BL+BR"},
		{[]string{"WAVEFORMATEXTENSIBLE_CHANNEL_MASK=-0x5003"}, "FL+FR+BL+BR"},
		{[]string{"WAVEFORMATEXTENSIBLE_CHANNEL_MASK=0x40003"}, "FL+FR+BL+BR"},
		{[]string{"WAVEFORMATEXTENSIBLE_CHANNEL_MASK=0x5003ABC"}, "FL+FR+BL+BR"},
		{[]string{"WAVEFORMATEXTENSIBLE_CHANNEL_MASK=0x1000000000000003"}, "FL+FR+BL+BR"},
		{[]string{"WAVEFORMATEXTENSIBLE_CHANNEL_MASK=0xC", "WAVEFORMATEXTENSIBLE_CHANNEL_MASK=0x5003"}, "FL+FR+BL+BR"},
		{[]string{"WAVEFORMATEXTENSIBLE_CHANNEL_MASK=0x5003", "WAVEFORMATEXTENSIBLE_CHANNEL_MASK=0x3"}, "FL+FR+TFL+TFR"},
		{[]string{"TITLE=x", "WAVEFORMATEXTENSIBLE_CHANNEL_MASK", "WAVEFORMATEXTENSIBLE_CHANNEL_MASK=0x5003"}, "FL+FR+TFL+TFR"},
		{[]string{"WAVEFORMATEXTENSIBLE_CHANNEL_MASKS=0x5003"}, "FL+FR+BL+BR"},
	}
	ch := make([][]int64, 4)
	for c := range ch {
		ch[c] = signal(100, 16, c)
	}
	for _, tc := range cases {
		s := &testStream{rate: 16000, channels: 4, bits: 16, total: -1, comments: tc.fields,
			frames: []testFrame{{samples: ch}}}
		dec, got, err := decodeBytes(t, s.encode())
		if err != nil {
			t.Fatalf("%q: %v", tc.fields, err)
		}
		checkSamples(t, s, dec, got)
		if l := dec.Info().Layout.String(); l != tc.layout {
			t.Errorf("%q: layout %s, want %s", tc.fields, l, tc.layout)
		}
	}
	// An LFE-only mono stream.
	s := &testStream{rate: 16000, channels: 1, bits: 16, total: -1, comments: []string{"WAVEFORMATEXTENSIBLE_CHANNEL_MASK=0x8"},
		frames: []testFrame{mono(signal(100, 16, 1), fixed(1))}}
	dec, _, err := decodeBytes(t, s.encode())
	if err != nil || dec.Info().Layout.String() != "LFE" {
		t.Errorf("LFE mask: %v, %v", err, dec)
	}
}

func TestBlockSizesRatesAndNumbers(t *testing.T) {
	x := signal(80000, 16, 3)
	cases := []struct {
		name     string
		rate     int
		variable bool
		sizes    []int
		rateCode int
		bitsCode int
	}{
		{"common sizes", 44100, false, []int{4096, 4096, 4096, 1000}, 0, 0},
		{"uncommon 8-bit and 16-bit sizes", 44100, true, []int{100, 256, 1000, 4608, 17, 5}, 0, 0},
		{"one sample", 44100, false, []int{1}, 0, 0},
		{"largest block", 8000, false, []int{65535}, 0, 0},
		{"every coded size", 22050, true, []int{192, 576, 1152, 2304, 4608, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768}, 0, 0},
		{"rate in kHz", 12000, false, []int{1152, 300}, 0, 0},
		{"rate in Hz", 11025, false, []int{1152}, 0, 0},
		{"rate in tens of Hz", 37800, false, []int{1152}, 14, 0},
		{"lowest rate", 1000, false, []int{100}, 0, 0},
		{"highest rate", 384000, false, []int{4096}, 0, 0},
		{"rate from STREAMINFO", 44100, false, []int{4096, 10}, 16, 0},
		{"bits from STREAMINFO", 44100, false, []int{4096, 10}, 0, 8},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := &testStream{rate: tc.rate, channels: 1, bits: 16, variable: tc.variable, total: -1}
			off := 0
			for _, n := range tc.sizes {
				f := mono(x[off:off+n], fixed(min(2, n)))
				f.rateCode, f.bitsCode = tc.rateCode, tc.bitsCode
				s.frames = append(s.frames, f)
				off += n
			}
			dec, got, err := decodeBytes(t, s.encode())
			if err != nil {
				t.Fatal(err)
			}
			checkSamples(t, s, dec, got)
			if dec.Info().SampleRate != tc.rate {
				t.Errorf("rate %d", dec.Info().SampleRate)
			}
		})
	}
	// Coded numbers of every length: a variable stream whose frames start
	// at large sample numbers (a stream copied out of a longer one).
	for _, start := range []int64{0x7F, 0x80, 0x7FF, 0x800, 0xFFFF, 0x10000, 0x1FFFFF, 0x200000, 0x3FFFFFF, 0x4000000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFFF - 4096} {
		for _, variable := range []bool{false, true} {
			if !variable && start > 0x7FFFFFFF {
				continue
			}
			s := &testStream{rate: 8000, channels: 1, bits: 16, variable: variable, total: 0}
			f := mono(x[:4096], fixed(2))
			f.number = start
			s.frames = []testFrame{f}
			dec, got, err := decodeBytes(t, s.encode())
			if err != nil {
				t.Fatalf("number %#x variable %v: %v", start, variable, err)
			}
			if len(got.ints[0]) != 4096 || dec.Info().Frames != -1 {
				t.Errorf("number %#x: %d samples, Frames %d", start, len(got.ints[0]), dec.Info().Frames)
			}
		}
	}
}

func TestEmptyStream(t *testing.T) {
	s := &testStream{rate: 8000, channels: 2, bits: 16, total: 0}
	dec, got, err := decodeBytes(t, s.encode())
	if err != nil {
		t.Fatal(err)
	}
	if len(got.ints[0]) != 0 || dec.Info().Frames != -1 {
		t.Errorf("%d samples, Frames %d", len(got.ints[0]), dec.Info().Frames)
	}
	if _, err := dec.Next(); !errors.Is(err, io.EOF) {
		t.Errorf("Next after the end: %v", err)
	}
}

// frameOffsets decodes data and returns the offset of each frame and,
// last, the offset after the last frame.
func frameOffsets(t testing.TB, data []byte) []int {
	t.Helper()
	dec, err := NewDecoder(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	offs := []int{int(dec.br.offset())}
	for {
		_, err := dec.Next()
		if errors.Is(err, io.EOF) {
			return offs
		}
		if err != nil {
			t.Fatal(err)
		}
		offs = append(offs, int(dec.br.offset()))
	}
}
