package ogg

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"
	"testing/iotest"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// readAll reads every packet of b.
func readAll(b []byte) ([]Packet, error) {
	r := NewReader(bytes.NewReader(b))
	var out []Packet
	for {
		p, err := r.NextPacket()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		p.Data = bytes.Clone(p.Data)
		out = append(out, p)
	}
}

// testPackets are packets of awkward sizes: empty, exactly 255 and 510
// (which need a terminating zero lacing value), and longer than a page.
func testPackets() ([][]byte, []int64) {
	sizes := []int{30, 0, 255, 1, 510, 254, 70000, 3, 65025, 256, 0}
	var ps [][]byte
	var gs []int64
	for i, n := range sizes {
		p := make([]byte, n)
		for j := range p {
			p[j] = byte(i*31 + j*7)
		}
		ps = append(ps, p)
		gs = append(gs, int64(1000*(i+1)))
	}
	return ps, gs
}

func TestReaderPacketsAcrossPages(t *testing.T) {
	ps, gs := testPackets()
	for _, maxSeg := range []int{1, 2, 3, 17, 255} {
		t.Run(fmt.Sprint("segments ", maxSeg), func(t *testing.T) {
			pages := paginate(0x1234, ps, gs, maxSeg, true)
			got, err := readAll(join(pages...))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(ps) {
				t.Fatalf("%d packets, want %d", len(got), len(ps))
			}
			// Expected granules: a packet carries its page's granule when it
			// is the last one ending on that page.
			for i, p := range got {
				if !bytes.Equal(p.Data, ps[i]) {
					t.Fatalf("packet %d: %d bytes differ from the %d written", i, len(p.Data), len(ps[i]))
				}
				if p.Serial != 0x1234 || p.BOS != (i == 0) || p.EOS != (i == len(ps)-1) {
					t.Errorf("packet %d: serial %x BOS %v EOS %v", i, p.Serial, p.BOS, p.EOS)
				}
				pg := pages[p.PageSeq]
				last := i == len(got)-1 || got[i+1].PageSeq != p.PageSeq
				if last && p.Granule != pg.granule || !last && p.Granule != -1 {
					t.Errorf("packet %d on page %d: granule %d, page granule %d, last on page %v", i, p.PageSeq, p.Granule, pg.granule, last)
				}
				if last && p.Granule != gs[i] {
					t.Errorf("packet %d: granule %d, want %d", i, p.Granule, gs[i])
				}
			}
		})
	}
}

func TestReaderInterleavedStreams(t *testing.T) {
	ps, gs := testPackets()
	a := paginate(1, ps, gs, 3, true)
	b := paginate(2, ps[:5], gs[:5], 2, true)
	var mixed []testPage
	for i := 0; i < len(a) || i < len(b); i++ {
		if i < len(a) {
			mixed = append(mixed, a[i])
		}
		if i < len(b) {
			mixed = append(mixed, b[i])
		}
	}
	got, err := readAll(join(mixed...))
	if err != nil {
		t.Fatal(err)
	}
	next := map[uint32]int{}
	for _, p := range got {
		i := next[p.Serial]
		next[p.Serial]++
		if !bytes.Equal(p.Data, ps[i]) {
			t.Fatalf("stream %d packet %d differs", p.Serial, i)
		}
	}
	if next[1] != len(ps) || next[2] != 5 {
		t.Fatalf("packets per stream %v", next)
	}
}

func TestReaderIgnoresStream(t *testing.T) {
	ps, gs := testPackets()
	data := join(append(paginate(1, ps, gs, 3, true), paginate(2, ps, gs, 4, true)...)...)
	r := NewReader(bytes.NewReader(data))
	p, err := r.NextPacket()
	if err != nil || p.Serial != 1 {
		t.Fatalf("first packet: %v %v", p.Serial, err)
	}
	r.ignore(1)
	n := 0
	for {
		p, err := r.NextPacket()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if p.Serial != 2 {
			t.Fatalf("packet of ignored stream returned")
		}
		n++
	}
	if n != len(ps) || r.buffered != 0 {
		t.Fatalf("%d packets of stream 2, %d bytes still buffered", n, r.buffered)
	}
}

func TestReaderEmptyInput(t *testing.T) {
	if _, err := NewReader(bytes.NewReader(nil)).NextPacket(); !errors.Is(err, io.EOF) {
		t.Fatalf("empty input: %v, want io.EOF", err)
	}
}

// TestReaderTruncated cuts a stream at every offset: the result is an
// error wrapping ErrMalformed, except where the cut falls between pages at
// the end of a packet, which is a clean (shorter) stream.
func TestReaderTruncated(t *testing.T) {
	ps, gs := testPackets()
	pages := paginate(7, ps, gs, 5, true)
	var clean = map[int]bool{0: true}
	var data []byte
	for _, p := range pages {
		data = append(data, p.bytes()...)
		if p.lacing[len(p.lacing)-1] < 255 {
			clean[len(data)] = true
		}
	}
	for cut := 0; cut < len(data); cut += 1 + cut/50 {
		_, err := readAll(data[:cut])
		switch {
		case clean[cut] && err != nil:
			t.Fatalf("cut at page boundary %d: %v", cut, err)
		case !clean[cut] && !errors.Is(err, pcm.ErrMalformed):
			t.Fatalf("cut at %d: %v, want ErrMalformed", cut, err)
		}
	}
}

func TestReaderRejectsBadPages(t *testing.T) {
	ok := testPage{flags: flagBOS, serial: 1, granule: 0, lacing: []byte{3}, body: []byte("abc")}
	cont := testPage{flags: flagContinued, serial: 1, seq: 1, granule: 0, lacing: []byte{3}, body: []byte("abc")}
	open := testPage{flags: flagBOS, serial: 1, granule: -1, lacing: []byte{255}, body: make([]byte, 255)}
	mut := func(p testPage, f func(b []byte)) []byte {
		b := p.bytes()
		f(b)
		return b
	}
	cases := map[string]struct {
		data []byte
		want error
	}{
		"capture pattern":   {mut(ok, func(b []byte) { b[0] = 'o' }), pcm.ErrMalformed},
		"version":           {mut(ok, func(b []byte) { b[4] = 1 }), pcm.ErrMalformed},
		"crc":               {join(testPage{flags: flagBOS, serial: 1, lacing: []byte{3}, body: []byte("abc"), badCRC: true}), pcm.ErrMalformed},
		"body byte":         {mut(ok, func(b []byte) { b[len(b)-1] ^= 0x40 }), pcm.ErrMalformed},
		"undefined flag":    {join(testPage{flags: flagBOS | 0x08, serial: 1, lacing: []byte{3}, body: []byte("abc")}), pcm.ErrMalformed},
		"BOS continued":     {join(testPage{flags: flagBOS | flagContinued, serial: 1, lacing: []byte{3}, body: []byte("abc")}), pcm.ErrMalformed},
		"no BOS":            {join(cont), pcm.ErrMalformed},
		"continues nothing": {join(ok, cont), pcm.ErrMalformed},
		"not continued":     {join(open, testPage{serial: 1, seq: 1, lacing: []byte{3}, body: []byte("abc")}), pcm.ErrMalformed},
		"page missing":      {join(open, testPage{flags: flagContinued, serial: 1, seq: 2, lacing: []byte{3}, body: []byte("abc")}), pcm.ErrMalformed},
		"BOS twice":         {join(ok, ok), pcm.ErrMalformed},
		"EOS mid-packet":    {join(testPage{flags: flagBOS | flagEOS, serial: 1, lacing: []byte{255}, body: make([]byte, 255)}), pcm.ErrMalformed},
		"ends mid-packet":   {join(open), pcm.ErrMalformed},
	}
	for name, c := range cases {
		if _, err := readAll(c.data); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
}

func TestReaderLimits(t *testing.T) {
	// One packet larger than MaxPacketSize, as pages of 255 full segments.
	full := make([]byte, maxPageBody)
	lacing := bytes.Repeat([]byte{255}, 255)
	var b bytes.Buffer
	for seq := uint32(0); int(seq)*maxPageBody <= MaxPacketSize+maxPageBody; seq++ {
		p := testPage{serial: 9, seq: seq, granule: -1, lacing: lacing, body: full, flags: flagContinued}
		if seq == 0 {
			p.flags = flagBOS
		}
		b.Write(p.bytes())
	}
	if _, err := readAll(b.Bytes()); !errors.Is(err, pcm.ErrUnsupported) {
		t.Errorf("oversized packet: %v, want ErrUnsupported", err)
	}

	// More open streams than allowed.
	b.Reset()
	for s := range maxStreams + 1 {
		b.Write(testPage{flags: flagBOS, serial: uint32(s), lacing: []byte{1}, body: []byte{0}}.bytes())
	}
	if _, err := readAll(b.Bytes()); !errors.Is(err, pcm.ErrUnsupported) {
		t.Errorf("too many streams: %v, want ErrUnsupported", err)
	}
}

func TestReaderPassesReadErrors(t *testing.T) {
	ps, gs := testPackets()
	data := join(paginate(1, ps, gs, 255, true)...)
	bad := errors.New("disk on fire")
	for _, cut := range []int{0, 10, 40, 1000} {
		r := NewReader(io.MultiReader(bytes.NewReader(data[:cut]), iotest.ErrReader(bad)))
		var err error
		for err == nil {
			_, err = r.NextPacket()
		}
		if !errors.Is(err, bad) || errors.Is(err, pcm.ErrMalformed) {
			t.Errorf("cut %d: %v, want the reader's error unwrapped as malformed", cut, err)
		}
	}
}

// TestReaderTrailingBytes: bytes after the last page of every stream that
// are not a page (an ID3v1 tag, say) end the stream cleanly; bytes that
// are not a page while a stream is open are an error.
func TestReaderTrailingBytes(t *testing.T) {
	ps, gs := testPackets()
	ended := join(paginate(1, ps, gs, 255, true)...)
	open := join(paginate(1, ps, gs, 255, false)...)
	tag := append([]byte("TAG"), make([]byte, 125)...)
	for name, tc := range map[string]struct {
		data []byte
		ok   bool
	}{
		"ID3v1 after the end":     {append(bytes.Clone(ended), tag...), true},
		"two bytes after the end": {append(bytes.Clone(ended), 0, 0), true},
		"ID3v1 in an open stream": {append(bytes.Clone(open), tag...), false},
		"cut page after the end":  {append(bytes.Clone(ended), "OggS\x00"...), false},
		"garbage before any page": {append(bytes.Clone(tag), ended...), false},
	} {
		got, err := readAll(tc.data)
		if tc.ok && (err != nil || len(got) != len(ps)) {
			t.Errorf("%s: %d packets, %v; want all %d", name, len(got), err, len(ps))
		}
		if !tc.ok && !errors.Is(err, pcm.ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
}

func TestReaderGarbageBetweenLinks(t *testing.T) {
	ps, gs := testPackets()
	link1 := join(paginate(1, ps, gs, 255, true)...)
	link2 := join(paginate(2, ps, gs, 255, true)...)
	data := append(append(bytes.Clone(link1), "junk"...), link2...)
	if _, err := readAll(data); !errors.Is(err, pcm.ErrMalformed) {
		t.Errorf("junk between chained links: %v, want ErrMalformed", err)
	}
	long := append(bytes.Clone(link1), make([]byte, maxTrailer+10)...)
	if _, err := readAll(long); !errors.Is(err, pcm.ErrMalformed) {
		t.Errorf("%d bytes of trailer: %v, want ErrMalformed", maxTrailer+10, err)
	}
}
