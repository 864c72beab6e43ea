package mkv

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// masters are the element IDs FuzzEBML descends into.
var masters = map[uint32]bool{idEBML: true, idSegment: true, idSeekHead: true, idSeek: true, idInfo: true,
	idTracks: true, idTrackEntry: true, idAudio: true, idCluster: true, idBlockGroup: true}

// FuzzEBML walks arbitrary bytes as an EBML tree with the element reader:
// headers, integers, floats, strings and skips. It must never panic, every
// element must lie inside its parent and the file, the position must move
// forward, and every error must wrap ErrMalformed.
func FuzzEBML(f *testing.F) {
	f.Add(ebmlHeaderEl("webm", 2))
	f.Add(append(ebmlHeaderEl("matroska", 4), unknownSizeEl(idSegment, unknownSizeEl(idCluster,
		simpleBlockEl(1, 0, lacingNone, []byte{1, 2})))...))
	f.Add([]byte{0x1A, 0x45, 0xDF, 0xA3, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := newEBMLReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		err = walk(t, e, -1, 0)
		if err != nil && err != errStopWalk && !errors.Is(err, pcm.ErrMalformed) {
			t.Fatalf("error %v does not wrap ErrMalformed", err)
		}
	})
}

// errStopWalk ends a walk at an element it cannot step over.
var errStopWalk = errors.New("walk stopped")

// walk reads the elements up to parentEnd (-1: the end of the file),
// descending into masters, and checks the reader's invariants.
func walk(t *testing.T, e *ebmlReader, parentEnd int64, depth int) error {
	for {
		start := e.pos()
		h, err := e.readHeader(parentEnd)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if h.off != start || h.data <= h.off || h.data > e.size || (parentEnd >= 0 && h.data > parentEnd) {
			t.Fatalf("element at %d: header %+v inconsistent (parent ends at %d, file at %d)", start, h, parentEnd, e.size)
		}
		if h.size != unknownSize && (h.end() > e.size || (parentEnd >= 0 && h.end() > parentEnd)) {
			t.Fatalf("element %+v overruns its parent (%d) or the file (%d)", h, parentEnd, e.size)
		}
		switch {
		case masters[h.id] && depth < 8:
			end := h.end()
			if end < 0 {
				end = parentEnd
			}
			if err := walk(t, e, end, depth+1); err != nil {
				return err
			}
			if end >= 0 && e.pos() != end {
				t.Fatalf("after the children of %+v the position is %d, want %d", h, e.pos(), end)
			}
		case h.size == unknownSize:
			return errStopWalk // only masters may have an unknown size
		case h.size <= 8:
			if _, err := e.readUint(h, "uint"); err != nil {
				return err
			}
			if err := e.seek(h.data); err != nil {
				return err
			}
			if _, err := e.readInt(h, "int"); err != nil {
				return err
			}
			if h.size == 4 || h.size == 8 {
				if err := e.seek(h.data); err != nil {
					return err
				}
				if _, err := e.readFloat(h, "float"); err != nil {
					return err
				}
			}
		case h.size <= 64:
			if _, err := e.readString(h, 64, "string"); err != nil {
				return err
			}
		default:
			if err := e.skip(h); err != nil {
				return err
			}
		}
		if h.size != unknownSize && e.pos() != h.end() {
			t.Fatalf("after element %+v the position is %d, want %d", h, e.pos(), h.end())
		}
		if e.pos() <= start {
			t.Fatalf("no progress at %d", start)
		}
	}
}

// FuzzDecoder feeds arbitrary bytes to the whole decoder, once with the
// real codecs (NewDecoder) and once with a stand-in codec so that the
// demuxer's paths past the codec headers are reached, and decodes up to a
// cap: no panic, no hang, and every error wraps ErrMalformed or
// ErrUnsupported.
func FuzzDecoder(f *testing.F) {
	// testdata/fuzz/FuzzDecoder holds small real files and edge cases.
	tr := audioTrackEl(1, "A_OPUS", opusHead(1, 312), 48000, 1)
	f.Add(matroska("webm", [][]byte{tr}, el(idCluster, uintEl(idTimestamp, 0),
		simpleBlockEl(1, 0, lacingXiph, rampPacket(960), rampPacket(10)),
		simpleBlockEl(1, 20, lacingEBML, rampPacket(960), rampPacket(100), rampPacket(7)),
		simpleBlockEl(1, 40, lacingFixed, rampPacket(960), rampPacket(960)),
		blockGroupEl(1, 60, padding(-1000000), lacingNone, rampPacket(960)))))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, open := range []func(*track) (codecSetup, error){openCodec, openRamp(312)} {
			d, err := newDecoder(bytes.NewReader(b), open)
			if err == nil {
				_, err = drainCapped(d)
			}
			if err != nil && !errors.Is(err, pcm.ErrMalformed) && !errors.Is(err, pcm.ErrUnsupported) {
				t.Fatalf("error %v wraps neither ErrMalformed nor ErrUnsupported", err)
			}
		}
	})
}

// drainCapped decodes up to maxTestFrames frames.
func drainCapped(d pcm.Decoder) (int, error) {
	n := 0
	for n < maxTestFrames {
		blk, err := d.Next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n += len(blk[0])
	}
	return n, nil
}
