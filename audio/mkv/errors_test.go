package mkv

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// nullCodec decodes every packet to 960 samples of silence per channel.
type nullCodec struct{ buf [][]float32 }

func (c *nullCodec) Decode([]byte) ([][]float32, error) { return c.buf, nil }

// openNull opens the null codec for any track, mono.
func openNull(*track) (codecSetup, error) {
	return codecSetup{codec: &nullCodec{buf: [][]float32{make([]float32, 960)}}, name: "null", rate: 48000,
		layout: pcm.LayoutMono}, nil
}

// maxTestFrames caps what the tests decode from a damaged file.
const maxTestFrames = 1 << 22

// decodeAll opens b with the given codec opener and decodes it to the end.
// It returns the number of frames and the error that ended the decode
// (nil at a clean end); it fails the test if the decoder yields more than
// maxTestFrames or breaks the pcm.Decoder contract.
func decodeAll(t testing.TB, b []byte, open func(*track) (codecSetup, error)) (int, error) {
	t.Helper()
	d, err := newDecoder(bytes.NewReader(b), open)
	if err != nil {
		return 0, err
	}
	return drain(t, d)
}

// drain decodes d to its end, checking the contract of Next.
func drain(t testing.TB, d pcm.Decoder) (int, error) {
	t.Helper()
	n := 0
	for {
		blk, err := d.Next()
		if err == io.EOF {
			if _, err := d.Next(); err != io.EOF {
				t.Fatalf("Next after io.EOF returned %v", err)
			}
			return n, nil
		}
		if err != nil {
			if blk != nil {
				t.Fatal("Next returned samples with an error")
			}
			return n, err
		}
		if len(blk) != d.Info().Channels() {
			t.Fatalf("block of %d channels, Info says %d", len(blk), d.Info().Channels())
		}
		n += len(blk[0])
		if n > maxTestFrames {
			t.Fatalf("more than %d frames decoded", maxTestFrames)
		}
	}
}

// wantKind fails unless err wraps pcm.ErrMalformed or pcm.ErrUnsupported.
func wantKind(t testing.TB, err error, what string) {
	t.Helper()
	if !errors.Is(err, pcm.ErrMalformed) && !errors.Is(err, pcm.ErrUnsupported) {
		t.Fatalf("%s: error %v wraps neither ErrMalformed nor ErrUnsupported", what, err)
	}
}

// cutPoints returns the offsets at which a file of unknown sizes may end
// cleanly: the end of each element directly in the Segment or in a
// Cluster, and just after the header of an unknown-size element. It walks
// the file on its own, knowing only which IDs a Cluster holds.
func cutPoints(t *testing.T, b []byte) (cuts map[int]bool, tracksEnd int) {
	t.Helper()
	clusterChild := map[uint32]bool{idTimestamp: true, idSimpleBlock: true, idBlockGroup: true, idPosition: true,
		idPrevSize: true, idSilentTracks: true, idVoid: true, idCRC32: true, idEncryptedBlock: true}
	ok := map[int]bool{}
	header := func(p int) (uint32, int, int) { // id, size (-1 unknown), data offset
		id, n, valid := parseID(b[p:])
		size, m, valid2 := parseSize(b[p+n:])
		if !valid || !valid2 {
			t.Fatalf("bad header at %d", p)
		}
		return id, int(size), p + n + m
	}
	p := 0
	_, size, data := header(p) // EBML header
	p = data + size
	_, size, data = header(p) // Segment
	if size != -1 {
		t.Fatal("cutPoints is for files with an unknown-size Segment")
	}
	ok[data] = true
	inCluster := false
	for p = data; p < len(b); {
		id, size, data := header(p)
		switch {
		case id == idCluster && size == -1:
			inCluster = true
			p = data
		case inCluster && !clusterChild[id]:
			inCluster = false
			continue // the same element, at Segment level
		default:
			p = data + size
		}
		if id == idTracks {
			tracksEnd = p
		}
		ok[p] = true
	}
	return ok, tracksEnd
}

// TestTruncatedFiles cuts every fixture at every offset. A file whose
// sizes are known must fail with ErrMalformed wherever it is cut; a live
// file (unknown sizes) may end cleanly exactly where an element ends, and
// then its packets must be a prefix of the whole file's.
func TestTruncatedFiles(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.name, func(t *testing.T) {
			b := audiotest.ReadFixture(t, fx.name)
			full, _, _, err := demuxFile(b)
			if err != nil {
				t.Fatal(err)
			}
			var clean map[int]bool
			tracksEnd := len(b)
			if fx.name == "live.webm" {
				clean, tracksEnd = cutPoints(t, b)
			}
			cleanCuts := 0
			for cut := range len(b) {
				got, _, _, err := demuxFile(b[:cut])
				if err == nil {
					if !clean[cut] || cut < tracksEnd {
						t.Fatalf("cut at %d of %d: no error", cut, len(b))
					}
					if len(got) > len(full) {
						t.Fatalf("cut at %d: more packets than the whole file", cut)
					}
					comparePackets(t, got, full[:len(got)])
					cleanCuts++
					continue
				}
				if !errors.Is(err, pcm.ErrMalformed) {
					if err.Error() == "no audio track" {
						continue
					}
					t.Fatalf("cut at %d: %v, want ErrMalformed", cut, err)
				}
				if clean[cut] && cut >= tracksEnd {
					t.Fatalf("cut at %d, where an element ends: %v", cut, err)
				}
			}
			// The whole decoder agrees with the demuxer, with a stand-in
			// codec and with the real ones.
			realStep := 23
			if raceEnabled {
				realStep = 97
			}
			for cut := 0; cut < len(b); cut++ {
				open := openNull
				if cut%realStep == 0 {
					open = openCodec
				} else if cut%7 != 0 {
					continue
				}
				_, err := decodeAll(t, b[:cut], open)
				if err == nil && !clean[cut] {
					t.Fatalf("decoder: cut at %d: no error", cut)
				}
				if err != nil && !errors.Is(err, pcm.ErrMalformed) {
					t.Fatalf("decoder: cut at %d: %v, want ErrMalformed", cut, err)
				}
			}
			if fx.name == "live.webm" && cleanCuts < 40 {
				t.Errorf("only %d clean cuts in a live file", cleanCuts)
			}
		})
	}
}

// TestCorruptedFiles flips bytes of every fixture, one offset at a time,
// with several patterns, and decodes the result with a stand-in codec
// (every offset; under the race detector one pattern per offset) and with
// the real codecs (at about realCorruptions offsets spread over the file): the decoder must end with a decode or an
// error wrapping ErrMalformed or ErrUnsupported, never a panic or a hang.
func TestCorruptedFiles(t *testing.T) {
	realCorruptions := 150
	if raceEnabled {
		realCorruptions = 30
	}
	patterns := []byte{0xFF, 0x80, 0x01, 0x7F}
	for _, fx := range fixtures {
		t.Run(fx.name, func(t *testing.T) {
			b := audiotest.ReadFixture(t, fx.name)
			c := make([]byte, len(b))
			step := max(1, len(b)/realCorruptions)
			for off := range len(b) {
				for i, x := range patterns {
					if raceEnabled && (off+i)%len(patterns) != 0 {
						continue // one pattern per offset
					}
					copy(c, b)
					c[off] ^= x
					if _, err := decodeAll(t, c, openNull); err != nil {
						wantKind(t, err, fmt.Sprintf("byte %d ^ %#x", off, x))
					}
				}
				if off%step == 0 {
					x := patterns[off/step%len(patterns)]
					copy(c, b)
					c[off] ^= x
					if _, err := decodeAll(t, c, openCodec); err != nil {
						wantKind(t, err, fmt.Sprintf("real codec: byte %d ^ %#x", off, x))
					}
				}
			}
		})
	}
}

// TestLyingHeaders gives sizes and counts that the file cannot hold: each
// must be ErrMalformed, found without allocating what the header claims.
func TestLyingHeaders(t *testing.T) {
	tr := audioTrackEl(1, "A_OPUS", opusHead(1, 312), 48000, 1)
	good := func(blocks ...[]byte) []byte {
		return matroska("webm", [][]byte{tr}, el(idCluster, append([][]byte{uintEl(idTimestamp, 0)}, blocks...)...))
	}
	huge := []byte{0x01, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xF0} // ~2^48 bytes
	withSize := func(element []byte, idLen int) []byte {
		// Replace the size field of element (after its ID) with huge.
		_, n, _ := parseSize(element[idLen:])
		return append(append(append([]byte{}, element[:idLen]...), huge...), element[idLen+n:]...)
	}
	seg := el(idSegment, el(idTracks, tr))
	cases := map[string][]byte{
		"EBML header size": withSize(ebmlHeaderEl("webm", 2), 4),
		"Segment size":     append(ebmlHeaderEl("webm", 2), withSize(seg, 4)...),
		"Tracks size": append(ebmlHeaderEl("webm", 2),
			el(idSegment, withSize(el(idTracks, tr), 4))...),
		"CodecPrivate size": append(ebmlHeaderEl("webm", 2), el(idSegment, el(idTracks, el(idTrackEntry,
			uintEl(idTrackNumber, 1), uintEl(idTrackType, 2), strEl(idCodecID, "A_OPUS"),
			withSize(el(idCodecPrivate, opusHead(1, 312)), 2))))...),
		"Cluster size": append(ebmlHeaderEl("webm", 2), el(idSegment, el(idTracks, tr),
			withSize(el(idCluster, uintEl(idTimestamp, 0)), 4))...),
		"SimpleBlock size": good(withSize(simpleBlockEl(1, 0, lacingNone, rampPacket(960)), 1)),
		"Block size":       good(el(idBlockGroup, withSize(el(idBlock, blockBytes(1, 0, 0, lacingNone, []byte{1})), 1))),
		"lace count":       good(el(idSimpleBlock, []byte{0x81, 0, 0, 0x80 | lacingXiph<<1, 255, 1, 2})),
		"xiph lace sizes":  good(el(idSimpleBlock, []byte{0x81, 0, 0, 0x80 | lacingXiph<<1, 1, 255, 255, 255, 255, 1})),
		"ebml lace sizes":  good(el(idSimpleBlock, []byte{0x81, 0, 0, 0x80 | lacingEBML<<1, 1, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xF0, 1})),
		"DocType length":   append(el(idEBML, strEl(idDocType, strings.Repeat("x", 1000))), seg...),
		"TimestampScale 0": append(ebmlHeaderEl("webm", 2), el(idSegment, el(idInfo, el(idTimestampScale, []byte{0})), el(idTracks, tr))...),
		"integer of 9 bytes": append(ebmlHeaderEl("webm", 2), el(idSegment, el(idTracks, el(idTrackEntry,
			el(idTrackNumber, make([]byte, 9)))))...),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			var err error
			alloc := audiotest.Allocated(func() { _, err = decodeAll(t, b, openRamp(0)) })
			if !errors.Is(err, pcm.ErrMalformed) {
				t.Fatalf("%v, want ErrMalformed", err)
			}
			if alloc > 256<<10 {
				t.Errorf("allocated %d bytes", alloc)
			}
		})
	}
}

// TestMalformedStructure covers files that contradict the format's rules.
func TestMalformedStructure(t *testing.T) {
	tr := audioTrackEl(1, "A_OPUS", opusHead(1, 312), 48000, 1)
	cl := func(blocks ...[]byte) []byte {
		return el(idCluster, append([][]byte{uintEl(idTimestamp, 0)}, blocks...)...)
	}
	pkt := simpleBlockEl(1, 0, lacingNone, rampPacket(960))
	cases := map[string][]byte{
		"empty file":             nil,
		"EBML magic cut short":   ebmlMagic[:3],
		"no Segment":             ebmlHeaderEl("webm", 2),
		"second EBML header":     append(ebmlHeaderEl("webm", 2), ebmlHeaderEl("webm", 2)...),
		"no Tracks":              append(ebmlHeaderEl("webm", 2), el(idSegment, cl(pkt))...),
		"no audio track":         matroska("webm", [][]byte{videoTrackEl(1)}, cl(simpleBlockEl(1, 0, lacingNone, []byte{1}))),
		"undeclared track":       matroska("webm", [][]byte{tr}, cl(pkt, simpleBlockEl(2, 20, lacingNone, rampPacket(960)))),
		"BlockGroup no Block":    matroska("webm", [][]byte{tr}, cl(pkt, el(idBlockGroup, intEl(idDiscardPadding, 5)))),
		"two Blocks":             matroska("webm", [][]byte{tr}, cl(el(idBlockGroup, el(idBlock, blockBytes(1, 0, 0, lacingNone, rampPacket(9))), el(idBlock, blockBytes(1, 0, 0, lacingNone, rampPacket(9)))))),
		"duplicate track number": matroska("webm", [][]byte{videoTrackEl(1), tr}, cl(pkt)),
		"track number 0":         matroska("webm", [][]byte{audioTrackEl(0, "A_OPUS", opusHead(1, 312), 48000, 1)}, cl(pkt)),
		"invalid ID":             matroska("webm", [][]byte{tr}, cl(pkt), []byte{0xFF, 0x80}),
		"invalid size":           matroska("webm", [][]byte{tr}, cl(pkt), []byte{0xEC, 0x00}),
		"block header":           matroska("webm", [][]byte{tr}, cl(el(idSimpleBlock, []byte{0x81, 0}))),
		"unknown-size Tracks":    append(ebmlHeaderEl("webm", 2), unknownSizeEl(idSegment, unknownSizeEl(idTracks, tr))...),
		"unknown-size BlockGroup": append(ebmlHeaderEl("webm", 2), unknownSizeEl(idSegment, el(idTracks, tr),
			unknownSizeEl(idCluster, unknownSizeEl(idBlockGroup, el(idBlock, blockBytes(1, 0, 0, lacingNone, rampPacket(9))))))...),
		"Vorbis CodecPrivate count": matroska("webm", [][]byte{audioTrackEl(1, "A_VORBIS", []byte{1, 2, 3, 4}, 44100, 2)}, cl(pkt)),
		"Vorbis CodecPrivate sizes": matroska("webm", [][]byte{audioTrackEl(1, "A_VORBIS", []byte{2, 200, 200, 4}, 44100, 2)}, cl(pkt)),
		"Vorbis no CodecPrivate":    matroska("webm", [][]byte{audioTrackEl(1, "A_VORBIS", nil, 44100, 2)}, cl(pkt)),
		"SeekHead to elsewhere": append(ebmlHeaderEl("webm", 2), el(idSegment,
			el(idSeekHead, el(idSeek, uintEl(idSeekID, idTracks), uintEl(idSeekPosition, 0))), cl(pkt), el(idTracks, tr))...),
		"SeekHead past the end": append(ebmlHeaderEl("webm", 2), el(idSegment,
			el(idSeekHead, el(idSeek, uintEl(idSeekID, idTracks), uintEl(idSeekPosition, 1<<40))), cl(pkt), el(idTracks, tr))...),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			open := openCodec
			if !strings.HasPrefix(name, "Vorbis") {
				open = openRamp(0)
			}
			_, err := decodeAll(t, b, open)
			if !errors.Is(err, pcm.ErrMalformed) {
				t.Fatalf("%v, want ErrMalformed", err)
			}
		})
	}
}

// TestUnsupported covers real formats and features the package does not
// decode: each must be ErrUnsupported, naming what it is.
func TestUnsupported(t *testing.T) {
	cl := el(idCluster, uintEl(idTimestamp, 0), simpleBlockEl(1, 0, lacingNone, []byte{1, 2, 3}))
	track := func(codecID string, extra ...[]byte) []byte {
		return matroska("matroska", [][]byte{audioTrackEl(1, codecID, []byte{1}, 44100, 2, extra...)}, cl)
	}
	manyTracks := make([][]byte, maxTracks+1)
	for i := range manyTracks {
		manyTracks[i] = videoTrackEl(uint64(i + 1))
	}
	cases := []struct {
		name, file, want string
	}{
		{"RIFF", "RIFF\x24\x00\x00\x00WAVEfmt ", "not a Matroska"},
		{"DocType", string(append(ebmlHeaderEl("mka-ish", 2), el(idSegment)...)), "neither Matroska nor WebM"},
		{"DocTypeReadVersion", string(append(ebmlHeaderEl("matroska", 5), el(idSegment)...)), "version 5"},
		{"EBMLReadVersion", string(el(idEBML, uintEl(idEBMLReadVersion, 2))), "EBML read version 2"},
		{"EBMLMaxIDLength", string(el(idEBML, uintEl(idEBMLMaxIDLength, 5))), "IDs of up to 5"},
		{"EBMLMaxSizeLength", string(el(idEBML, uintEl(idEBMLMaxSizeLength, 9))), "sizes of up to 9"},
		{"AAC", string(track("A_AAC")), "codec is AAC;"},
		{"AAC-LC", string(track("A_AAC/MPEG4/LC")), "codec is AAC;"},
		{"FLAC", string(track("A_FLAC")), "FLAC"},
		{"MP3", string(track("A_MPEG/L3")), "MP3"},
		{"PCM", string(track("A_PCM/INT/LIT")), "PCM"},
		{"AC-3", string(track("A_AC3")), "AC-3"},
		{"unknown codec", string(track("A_NEW/CODEC")), "an unrecognised CodecID"}, // never the id: it is bytes of the file
		{"binary codec", string(track("A_\x00\xff")), "an unrecognised CodecID"},
		{"no codec", string(track("")), "no CodecID"},
		{"ContentEncodings", string(track("A_OPUS", el(idContentEncodings, el(0x6240)))), "ContentEncodings"},
		{"Opus of 3 channels without OpusHead", string(matroska("webm", [][]byte{audioTrackEl(1, "A_OPUS", nil, 48000, 3)}, cl)), "3 channels"},
		{"CodecPrivate of 2 MiB", string(track("A_OPUS", el(idCodecPrivate, make([]byte, 2<<20)))), "CodecPrivate"},
		{"block of 17 MiB", string(matroska("webm", [][]byte{audioTrackEl(1, "A_OPUS", opusHead(1, 0), 48000, 1)},
			el(idCluster, simpleBlockEl(1, 0, lacingNone, make([]byte, 17<<20))))), "block"},
		{"too many tracks", string(matroska("webm", manyTracks, cl)), "more than 1024 tracks"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			open := openCodec
			if c.name == "block of 17 MiB" {
				open = openRamp(0)
			}
			var err error
			file := []byte(c.file)
			alloc := audiotest.Allocated(func() { _, err = decodeAll(t, file, open) })
			if !errors.Is(err, pcm.ErrUnsupported) {
				t.Fatalf("%v, want ErrUnsupported", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("%q does not say %q", err, c.want)
			}
			if alloc > 1<<20 {
				t.Errorf("allocated %d bytes", alloc)
			}
		})
	}
}

// TestStructureVariants covers valid layouts the fixtures do not have.
func TestStructureVariants(t *testing.T) {
	tr := audioTrackEl(2, "A_OPUS", opusHead(1, 0), 48000, 1)
	pkts := func(track uint64, n int) [][]byte {
		b := [][]byte{uintEl(idTimestamp, 0)}
		for i := range n {
			b = append(b, simpleBlockEl(track, int16(20*i), lacingNone, rampPacket(960)))
		}
		return b
	}
	other := simpleBlockEl(1, 0, lacingNone, make([]byte, 100))
	cases := []struct {
		name string
		file []byte
		want int // samples
	}{
		{"no Clusters", matroska("webm", [][]byte{tr}), 0},
		{"empty Cluster", matroska("webm", [][]byte{tr}, el(idCluster)), 0},
		{"Tracks after the Cluster, found by the SeekHead", func() []byte {
			info := el(idInfo, uintEl(idTimestampScale, 1000000))
			c := el(idCluster, pkts(2, 3)...)
			var seek []byte
			for size := 0; ; size = len(seek) { // the SeekHead's size moves the position
				seek = el(idSeekHead, el(idSeek, uintEl(idSeekID, idTracks), uintEl(idSeekPosition, uint64(size+len(info)+len(c)))))
				if len(seek) == size {
					break
				}
			}
			return append(ebmlHeaderEl("webm", 2), el(idSegment, seek, info, c, el(idTracks, videoTrackEl(1), tr))...)
		}(), 3 * 960},
		{"blocks of a video track between", matroska("webm", [][]byte{videoTrackEl(1), tr},
			el(idCluster, append(pkts(2, 2), other, simpleBlockEl(2, 60, lacingNone, rampPacket(960)),
				el(idBlockGroup, el(idBlock, blockBytes(1, 80, 0, lacingNone, make([]byte, 50))), intEl(idDiscardPadding, 1)))...)), 3 * 960},
		{"second audio track ignored", matroska("webm", [][]byte{tr, audioTrackEl(3, "A_AAC", nil, 44100, 2)},
			el(idCluster, append(pkts(2, 2), simpleBlockEl(3, 0, lacingNone, []byte{9}))...)), 2 * 960},
		{"Void, CRC-32, Cues, Tags and unknown elements", matroska("webm", [][]byte{tr},
			el(idVoid, make([]byte, 10)), el(idCRC32, []byte{1, 2, 3, 4}),
			el(idCluster, append(pkts(2, 2), el(idVoid), el(0x4123, []byte{1}), el(idPosition, []byte{0}))...),
			el(idCues, make([]byte, 5)), el(idTags), el(0x4567, []byte{1})), 2 * 960},
		{"unknown-size Cluster ended by Cues", append(ebmlHeaderEl("webm", 2), el(idSegment, el(idTracks, tr),
			unknownSizeEl(idCluster, pkts(2, 2)...), el(idCues, []byte{1}), el(idCluster, pkts(2, 1)...))...), 3 * 960},
		{"unknown-size Segment ended by a second EBML document", append(append(ebmlHeaderEl("webm", 2),
			unknownSizeEl(idSegment, el(idTracks, tr), unknownSizeEl(idCluster, pkts(2, 2)...))...),
			matroska("webm", [][]byte{tr}, el(idCluster, pkts(2, 5)...))...), 2 * 960},
		{"known-size Segment followed by junk", append(matroska("webm", [][]byte{tr}, el(idCluster, pkts(2, 2)...)), 0, 0, 0), 2 * 960},
		{"Void before the Segment", append(append(ebmlHeaderEl("webm", 2), el(idVoid, []byte{0})...),
			el(idSegment, el(idTracks, tr), el(idCluster, pkts(2, 1)...))...), 960},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := drainRamp(t, c.file, 0)
			if len(got) != c.want {
				t.Errorf("%d samples, want %d", len(got), c.want)
			}
		})
	}
}

// errReader fails every read after the first n bytes.
type errReader struct {
	r *bytes.Reader
	n int64
}

var errDisk = errors.New("disk on fire")

func (e *errReader) Read(p []byte) (int, error) {
	pos, _ := e.r.Seek(0, io.SeekCurrent)
	if pos >= e.n {
		return 0, errDisk
	}
	return e.r.Read(p[:min(int64(len(p)), e.n-pos)])
}

func (e *errReader) Seek(off int64, whence int) (int64, error) { return e.r.Seek(off, whence) }

// TestReaderErrors checks that the reader's own errors come back wrapped,
// not as malformed audio, wherever they happen before the Cues (which are
// skipped by seeking, unread).
func TestReaderErrors(t *testing.T) {
	b := audiotest.ReadFixture(t, "opus_mono.webm")
	cues := bytes.LastIndex(b, idBytes(idCues))
	for n := int64(0); n < int64(cues); n += 13 {
		d, err := newDecoder(&errReader{bytes.NewReader(b), n}, openNull)
		if err == nil {
			_, err = drain(t, d)
		}
		if !errors.Is(err, errDisk) || errors.Is(err, pcm.ErrMalformed) {
			t.Fatalf("failing after %d bytes: %v, want the reader's error", n, err)
		}
	}
}
