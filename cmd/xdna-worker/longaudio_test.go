package main

import (
	"bytes"
	"context"
	byteorder "encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/audio"
	"github.com/xdna-worker/xdna-worker/audio/ogg"
	"github.com/xdna-worker/xdna-worker/audio/opus"
	"github.com/xdna-worker/xdna-worker/audio/vorbis"
	"github.com/xdna-worker/xdna-worker/audio/wav"
	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/pipeline"
	"github.com/xdna-worker/xdna-worker/queue"
)

// longFile is a two-hour file of one format, made in the test from a small
// seed in audio/testdata (see its make.sh) without running an encoder. Each
// builder makes a file of at most the given length, and less by no more
// than one pass over its seed (about 10 s).
type longFile struct {
	name  string // also the extension of the uploaded object
	codec string // what audio.Open must recognise (pcm.Info.Codec)
	make  func(t *testing.T, seconds int) []byte
}

// longFiles are the files of every format with a pure-Go decoder.
var longFiles = []longFile{
	{"wav", "wav/pcm16", longWAV},
	{"mp3", "mp3", longMP3},
	{"flac", "flac", longFLAC},
	{"ogg", "ogg/vorbis", longVorbis},
	{"opus", "ogg/opus", longOpus},
	{"webm", "webm/opus", longWebM},
	{"m4a", "mp4/aac", longM4A},
	{"fmp4", "mp4/aac", longFragmentedMP4},
	{"aac", "adts/aac", longADTS},
}

// readSeed reads a seed file of audio/testdata.
func readSeed(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "audio", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// longWAV is a 16 kHz mono 16-bit tone.
func longWAV(t *testing.T, seconds int) []byte {
	var b bytes.Buffer
	if err := wav.Write(&b, pipeline.Tone(float64(seconds), 440), pipeline.SampleRate); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// longMP3 concatenates copies of a tag-less 10 s MP3 (audio/testdata,
// lame -t): every copy starts with an empty bit reservoir, so the whole is
// one valid MPEG audio stream.
func longMP3(t *testing.T, seconds int) []byte {
	seed := readSeed(t, "long-seed.mp3")
	return bytes.Repeat(seed, seconds*100/1008) // each copy is 10.08 s (lame's padding)
}

// longFLAC repeats the frames of a 4 s FLAC (audio/testdata) after its
// STREAMINFO, whose total sample count is cleared (unknown): FLAC frames
// carry their own parameters, and decoders do not require their numbers
// to be contiguous.
func longFLAC(t *testing.T, seconds int) []byte {
	seed := readSeed(t, "long-seed.flac")
	if string(seed[:4]) != "fLaC" || seed[4]&0x7F != 0 {
		t.Fatal("long-seed.flac does not start with STREAMINFO")
	}
	// Skip every metadata block to the first frame.
	off := 4
	for {
		last := seed[off]&0x80 != 0
		n := int(seed[off+1])<<16 | int(seed[off+2])<<8 | int(seed[off+3])
		off += 4 + n
		if last {
			break
		}
	}
	head := bytes.Clone(seed[:4+4+34])
	head[4] |= 0x80 // STREAMINFO is the last block
	si := head[8:]
	si[13] &= 0xF0   // total samples: unknown
	clear(si[14:18]) // (36 bits: low nibble of byte 13, bytes 14-17)
	clear(si[18:34]) // no MD5 signature
	out := head
	for range seconds / 4 {
		out = append(out, seed[off:]...)
	}
	return out
}

// --- Ogg (RFC 3533): Vorbis and Opus ---

// longVorbis re-pages the packets of a 10 s Ogg Vorbis file (oggenc): its
// three header packets, then its audio packets over and over. A packet of
// block size n after one of size p adds p/4 + n/4 samples to the granule
// position (the first adds none); the block sizes come from the header
// packets, read by audio/vorbis (a parser, not an encoder).
func longVorbis(t *testing.T, seconds int) []byte {
	serial, packets := oggPackets(t, readSeed(t, "long-seed.ogg"))
	dec, err := vorbis.NewDecoder(packets[0], packets[1], packets[2])
	if err != nil {
		t.Fatal(err)
	}
	prev := 0
	samples := func(p []byte) int64 {
		n, _ := dec.PacketBlockSize(p)
		if n == 0 {
			t.Fatal("long-seed.ogg: an audio packet of no block size")
		}
		d := 0
		if prev > 0 {
			d = (prev + n) / 4
		}
		prev = n
		return int64(d)
	}
	return repageOgg(serial, packets[:3], packets[3:], int64(seconds*dec.SampleRate()), samples)
}

// longOpus re-pages the packets of a 10 s Ogg Opus file (opusenc): its two
// header packets, then its audio packets over and over. The granule
// position counts 48 kHz samples, pre-skip included (RFC 7845), which each
// packet's TOC byte gives.
func longOpus(t *testing.T, seconds int) []byte {
	serial, packets := oggPackets(t, readSeed(t, "long-seed.opus"))
	return repageOgg(serial, packets[:2], packets[2:], int64(seconds)*48000, func(p []byte) int64 { return int64(opus.PacketSamples(p)) })
}

// oggPackets returns the serial number and the packets of an Ogg file of
// one logical stream.
func oggPackets(t *testing.T, file []byte) (uint32, [][]byte) {
	r := ogg.NewReader(bytes.NewReader(file))
	var serial uint32
	var packets [][]byte
	for {
		p, err := r.NextPacket()
		if errors.Is(err, io.EOF) && len(packets) > 0 {
			return serial, packets
		}
		if err != nil {
			t.Fatalf("Ogg seed: %v", err)
		}
		if len(packets) > 0 && p.Serial != serial {
			t.Fatal("Ogg seed: more than one logical stream")
		}
		serial = p.Serial
		packets = append(packets, bytes.Clone(p.Data))
	}
}

// repageOgg writes a logical stream of the given serial number: the first
// header packet alone on the first page (BOS), the other header packets on
// the next, then audio packets, cycling through them, until the next would
// take the granule position past limit. samples gives what each packet
// adds to the granule position, in the order they are written. Audio pages
// hold whole packets, about 4 KB of them as libogg's pages, and carry the
// granule position at their last packet; the last page has the EOS flag.
func repageOgg(serial uint32, headers, packets [][]byte, limit int64, samples func([]byte) int64) []byte {
	w := oggWriter{serial: serial}
	w.page(oggBOS, 0, headers[:1])
	w.page(0, 0, headers[1:])
	var page [][]byte
	var size, segments int
	var granule int64
	for i := 0; ; i++ {
		p := packets[i%len(packets)]
		n := samples(p)
		if granule+n > limit {
			break
		}
		if len(page) > 0 && (size+len(p) > 4096 || segments+len(p)/255+1 > 255) {
			w.page(0, granule, page)
			page, size, segments = page[:0], 0, 0
		}
		page = append(page, p)
		size += len(p)
		segments += len(p)/255 + 1
		granule += n
	}
	w.page(oggEOS, granule, page)
	return w.out
}

// Header type flags of an Ogg page.
const (
	oggBOS = 0x02
	oggEOS = 0x04
)

// oggWriter writes the pages of one logical stream.
type oggWriter struct {
	out    []byte
	serial uint32
	seq    uint32 // sequence number of the next page
}

// page writes one page of whole packets (at most 255 lacing values).
func (w *oggWriter) page(flags byte, granule int64, packets [][]byte) {
	var lacing, body []byte
	for _, p := range packets {
		// A packet is n/255 segments of 255 bytes and one shorter one.
		for range len(p) / 255 {
			lacing = append(lacing, 255)
		}
		lacing = append(lacing, byte(len(p)%255))
		body = append(body, p...)
	}
	if len(lacing) > 255 {
		panic("Ogg page of more than 255 segments")
	}
	start := len(w.out)
	w.out = append(w.out, "OggS"...)
	w.out = append(w.out, 0, flags) // version 0
	w.out = byteorder.LittleEndian.AppendUint64(w.out, uint64(granule))
	w.out = byteorder.LittleEndian.AppendUint32(w.out, w.serial)
	w.out = byteorder.LittleEndian.AppendUint32(w.out, w.seq)
	w.out = byteorder.LittleEndian.AppendUint32(w.out, 0) // CRC, below
	w.out = append(w.out, byte(len(lacing)))
	w.out = append(w.out, lacing...)
	w.out = append(w.out, body...)
	byteorder.LittleEndian.PutUint32(w.out[start+22:], ogg.Checksum(w.out[start:]))
	w.seq++
}

// --- WebM (Matroska, RFC 9559) ---

// EBML IDs used by longWebM.
const (
	ebmlSegment        = 0x18538067
	ebmlInfo           = 0x1549A966
	ebmlTimestampScale = 0x2AD7B1
	ebmlDuration       = 0x4489
	ebmlTracks         = 0x1654AE6B
	ebmlCluster        = 0x1F43B675
	ebmlTimestamp      = 0xE7
	ebmlSimpleBlock    = 0xA3
	ebmlBlockGroup     = 0xA0
	ebmlBlock          = 0xA1
)

// ebmlUnknownSize is the 8-byte size of an element whose end its writer
// did not know: all value bits set.
var ebmlUnknownSize = []byte{0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}

// longWebM writes the Opus frames of a 10 s WebM (ffmpeg) over and over as
// a browser's MediaRecorder writes a long recording: the seed's EBML
// header, then a Segment of unknown size with the seed's Info (less its
// Duration) and Tracks (with the OpusHead), then Clusters of unknown size,
// one per pass over the seed's frames (10 s: a block's timestamp relative
// to its Cluster's is 16-bit), each with its timestamp (ms) and its frames
// as SimpleBlocks timed relative to it. Frames are added until the
// next would take the stream past the given length.
func longWebM(t *testing.T, seconds int) []byte {
	seed := readSeed(t, "long-seed.webm")
	_, _, segment := ebmlRead(t, seed)
	out := bytes.Clone(seed[:len(seed)-len(segment)]) // the EBML header
	id, body, _ := ebmlRead(t, segment)
	if id != ebmlSegment {
		t.Fatalf("long-seed.webm: element 0x%X after the EBML header", id)
	}
	out = append(out, ebmlID(ebmlSegment)...)
	out = append(out, ebmlUnknownSize...)
	var frames [][]byte // each a block's track number, flags and frame
	for len(body) > 0 {
		start := body
		id, el, rest := ebmlRead(t, body)
		body = rest
		switch id {
		case ebmlInfo:
			var info []byte
			for len(el) > 0 {
				child := el
				cid, v, rest := ebmlRead(t, el)
				el = rest
				if cid == ebmlTimestampScale && !bytes.Equal(v, []byte{0x0F, 0x42, 0x40}) {
					t.Fatal("long-seed.webm: timestamps not in ms")
				}
				if cid != ebmlDuration {
					info = append(info, child[:len(child)-len(rest)]...)
				}
			}
			out = append(out, ebmlElement(ebmlInfo, info)...)
		case ebmlTracks:
			out = append(out, start[:len(start)-len(rest)]...)
		case ebmlCluster:
			for len(el) > 0 {
				cid, v, rest := ebmlRead(t, el)
				el = rest
				if cid == ebmlBlockGroup {
					// The seed's last frame: its Block, then its
					// DiscardPadding, dropped here.
					cid, v, _ = ebmlRead(t, v)
				}
				if cid == ebmlSimpleBlock || cid == ebmlBlock {
					// Track number 1 (0x81), 16-bit relative timestamp,
					// flags without lacing, frame.
					if v[0] != 0x81 || v[3]&0x06 != 0 {
						t.Fatal("long-seed.webm: block not of track 1, or laced")
					}
					frames = append(frames, v[3:])
				}
			}
		}
	}
	limit := int64(seconds) * 48000
	var total, cluster int64 // 48 kHz samples: so far, at the Cluster's start
	for i := 0; ; i++ {
		f := frames[i%len(frames)]
		n := int64(opus.PacketSamples(f[1:]))
		if total+n > limit {
			break
		}
		if i%len(frames) == 0 {
			cluster = total
			out = append(out, ebmlID(ebmlCluster)...)
			out = append(out, ebmlUnknownSize...)
			out = append(out, ebmlElement(ebmlTimestamp, byteorder.BigEndian.AppendUint32(nil, uint32(cluster/48)))...)
		}
		block := []byte{0x81}
		block = byteorder.BigEndian.AppendUint16(block, uint16((total-cluster)/48))
		block = append(block, f[0]|0x80) // keyframe, as every audio frame
		out = append(out, ebmlElement(ebmlSimpleBlock, append(block, f[1:]...))...)
		total += n
	}
	return out
}

// ebmlRead splits the element at the start of b (of known size) into its
// ID, with its length marker, its data, and what follows it.
func ebmlRead(t *testing.T, b []byte) (id uint32, data, rest []byte) {
	n := bits.LeadingZeros8(b[0]) + 1
	for _, c := range b[:n] {
		id = id<<8 | uint32(c)
	}
	b = b[n:]
	n = bits.LeadingZeros8(b[0]) + 1
	size := uint64(b[0]) & (0xFF >> n)
	for _, c := range b[1:n] {
		size = size<<8 | uint64(c)
	}
	b = b[n:]
	if size > uint64(len(b)) {
		t.Fatalf("EBML element 0x%X of size %d, %d bytes left", id, size, len(b))
	}
	return id, b[:size], b[size:]
}

// ebmlID is an element ID as written: its bytes without leading zeros.
func ebmlID(id uint32) []byte {
	b := byteorder.BigEndian.AppendUint32(nil, id)
	return b[bits.LeadingZeros32(id)/8:]
}

// ebmlElement is an element of the given ID and data, its size written in
// as few bytes as it takes.
func ebmlElement(id uint32, data []byte) []byte {
	out := ebmlID(id)
	n := 1
	for uint64(len(data)) >= 1<<(7*n)-1 { // all ones means unknown
		n++
	}
	size := byteorder.BigEndian.AppendUint64(nil, uint64(len(data))|1<<(7*n))
	out = append(out, size[8-n:]...)
	return append(out, data...)
}

// --- AAC: ADTS, and MP4 (ISO/IEC 14496-12 and -14) ---

// longADTS concatenates copies of a 10 s raw AAC-LC file (ffmpeg, ADTS):
// every frame has its own header, so the whole is one valid stream.
func longADTS(t *testing.T, seconds int) []byte {
	seed := readSeed(t, "long-seed.aac")
	_, rate, frames := adtsFrames(t, seed)
	return bytes.Repeat(seed, seconds*rate/(len(frames)*1024))
}

// adtsFrames splits the ADTS stream of long-seed.aac into its raw AAC
// frames of 1024 samples, and returns the AudioSpecificConfig (ISO/IEC
// 14496-3, 1.6.2.1) and sample rate its headers give.
func adtsFrames(t *testing.T, b []byte) (asc []byte, rate int, frames [][]byte) {
	var h []byte
	for len(b) > 0 {
		h = b[:7]
		if h[0] != 0xFF || h[1]&0xF6 != 0xF0 || h[6]&3 != 0 {
			t.Fatal("long-seed.aac: not an ADTS frame of one raw data block")
		}
		length := int(h[3]&3)<<11 | int(h[4])<<3 | int(h[5])>>5
		head := 7
		if h[1]&1 == 0 { // CRC present
			head = 9
		}
		frames = append(frames, b[head:length])
		b = b[length:]
	}
	object := h[2]>>6 + 1 // the ADTS profile is the object type less 1
	freq := h[2] >> 2 & 0xF
	channels := h[2]&1<<2 | h[3]>>6
	rate = []int{96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350}[freq]
	// 5 bits object type, 4 bits frequency index, 4 bits channel
	// configuration, 3 bits GASpecificConfig: 1024-sample frames, no core
	// coder, no extension.
	asc = byteorder.BigEndian.AppendUint16(nil, uint16(object)<<11|uint16(freq)<<7|uint16(channels)<<3)
	return asc, rate, frames
}

// longM4A stores the AAC frames of long-seed.aac, over and over, in an
// M4A as phones and ffmpeg write one: ftyp, the media data, and the movie
// box at the end, whose sample tables list every frame (one chunk per pass
// over the seed) and whose edit list drops the encoder's 1024 priming
// samples.
func longM4A(t *testing.T, seconds int) []byte {
	asc, rate, frames := adtsFrames(t, readSeed(t, "long-seed.aac"))
	copies := seconds * rate / (len(frames) * 1024)
	ftyp := mp4Box("ftyp", []byte("M4A "), u32(0x200), []byte("M4A isomiso2mp41"))
	var data, sizes, offsets []byte
	for range copies {
		offsets = append(offsets, u32(len(ftyp)+8+len(data))...)
		for _, f := range frames {
			data = append(data, f...)
			sizes = append(sizes, u32(len(f))...)
		}
	}
	n := copies * len(frames)
	stbl := mp4Box("stbl",
		aacSampleDescription(asc, rate),
		mp4FullBox("stts", 0, 0, u32(1), u32(n), u32(1024)),                // n samples of 1024
		mp4FullBox("stsc", 0, 0, u32(1), u32(1), u32(len(frames)), u32(1)), // every chunk: a copy
		mp4FullBox("stsz", 0, 0, u32(0), u32(n), sizes),
		mp4FullBox("stco", 0, 0, u32(copies), offsets))
	// From sample 1024 for the rest of the stream, in the movie's ms.
	ms := (n - 1) * 1024 * 1000 / rate
	edts := mp4Box("edts", mp4FullBox("elst", 0, 0, u32(1), u32(ms), u32(1024), u32(0x00010000)))
	moov := aacMovie(rate, ms, n*1024, edts, stbl, nil)
	return concat(ftyp, mp4Box("mdat", data), moov)
}

// longFragmentedMP4 stores the AAC frames of long-seed.aac, over and over,
// in a fragmented MP4 as MediaRecorder and live encoders write one: a
// movie box without samples, then one movie fragment per pass over the
// seed, each a moof (sequence number, decode time of its first sample, the
// size of every sample) and the mdat of its frames.
func longFragmentedMP4(t *testing.T, seconds int) []byte {
	asc, rate, frames := adtsFrames(t, readSeed(t, "long-seed.aac"))
	copies := seconds * rate / (len(frames) * 1024)
	stbl := mp4Box("stbl",
		aacSampleDescription(asc, rate),
		mp4FullBox("stts", 0, 0, u32(0)),
		mp4FullBox("stsc", 0, 0, u32(0)),
		mp4FullBox("stsz", 0, 0, u32(0), u32(0)),
		mp4FullBox("stco", 0, 0, u32(0)))
	// Track 1's samples default to the first description, 1024 samples.
	mvex := mp4Box("mvex", mp4FullBox("trex", 0, 0, u32(1), u32(1), u32(1024), u32(0), u32(0)))
	out := concat(
		mp4Box("ftyp", []byte("iso5"), u32(0x200), []byte("iso5iso6mp41")),
		aacMovie(rate, 0, 0, nil, stbl, mvex))
	var data, sizes []byte
	for _, f := range frames {
		data = append(data, f...)
		sizes = append(sizes, u32(len(f))...)
	}
	for k := range copies {
		// The trun's data offset counts from the start of the moof
		// (default-base-is-moof) to the mdat's data.
		moof := func(dataOffset int) []byte {
			return mp4Box("moof",
				mp4FullBox("mfhd", 0, 0, u32(k+1)),
				mp4Box("traf",
					mp4FullBox("tfhd", 0, 0x020000, u32(1)),
					mp4FullBox("tfdt", 1, 0, byteorder.BigEndian.AppendUint64(nil, uint64(k*len(frames)*1024))),
					mp4FullBox("trun", 0, 0x000201, u32(len(frames)), u32(dataOffset), sizes)))
		}
		m := moof(0)
		out = append(out, moof(len(m)+8)...)
		out = append(out, mp4Box("mdat", data)...)
	}
	return out
}

// aacMovie is the movie box of one AAC sound track of the given sample
// rate (its time scale) and length in samples, with the given edit list
// (or none), sample table and movie-extends box (or none). The movie's
// time scale is 1000, and its length ms.
func aacMovie(rate, ms, samples int, edts, stbl, mvex []byte) []byte {
	unity := concat(u32(0x00010000), u32(0), u32(0), u32(0), u32(0x00010000), u32(0), u32(0), u32(0), u32(0x40000000))
	mvhd := mp4FullBox("mvhd", 0, 0, u32(0), u32(0), u32(1000), u32(ms),
		u32(0x00010000), []byte{1, 0}, make([]byte, 10), unity, make([]byte, 24), u32(2)) // rate 1, volume 1, next track 2
	tkhd := mp4FullBox("tkhd", 0, 3, u32(0), u32(0), u32(1), u32(0), u32(ms), // enabled, in movie; track 1
		make([]byte, 8), u32(0), []byte{1, 0, 0, 0}, unity, u32(0), u32(0)) // layer, group 0; volume 1; no size
	mdhd := mp4FullBox("mdhd", 0, 0, u32(0), u32(0), u32(rate), u32(samples), []byte{0x55, 0xC4, 0, 0}) // language und
	hdlr := mp4FullBox("hdlr", 0, 0, u32(0), []byte("soun"), make([]byte, 12), []byte("SoundHandler\x00"))
	dinf := mp4Box("dinf", mp4FullBox("dref", 0, 0, u32(1), mp4FullBox("url ", 0, 1))) // data in this file
	minf := mp4Box("minf", mp4FullBox("smhd", 0, 0, u32(0)), dinf, stbl)
	return mp4Box("moov", mvhd, mp4Box("trak", tkhd, edts, mp4Box("mdia", mdhd, hdlr, minf)), mvex)
}

// aacSampleDescription is the stsd box of a mono AAC track (as the seed): an mp4a sample
// entry whose esds holds the AudioSpecificConfig (ISO/IEC 14496-1, 7.2.6).
func aacSampleDescription(asc []byte, rate int) []byte {
	descriptor := func(tag byte, parts ...[]byte) []byte {
		body := concat(parts...)
		return append([]byte{tag, byte(len(body))}, body...) // all shorter than 128 bytes
	}
	esds := mp4FullBox("esds", 0, 0,
		descriptor(0x03, []byte{0, 1, 0}, // ES_Descriptor: ES_ID 1, no flags
			descriptor(0x04, []byte{0x40, 0x15}, make([]byte, 11), // MPEG-4 audio stream; buffer size, bitrates unknown
				descriptor(0x05, asc)),
			descriptor(0x06, []byte{0x02}))) // SLConfigDescriptor: predefined for MP4
	mp4a := mp4Box("mp4a", make([]byte, 6), []byte{0, 1}, // data reference 1
		make([]byte, 8), []byte{0, 1, 0, 16}, make([]byte, 4), u32(rate<<16), esds) // 1 channel of 16 bits
	return mp4FullBox("stsd", 0, 0, u32(1), mp4a)
}

// mp4Box is a box of the given type and content (32-bit size).
func mp4Box(typ string, parts ...[]byte) []byte {
	body := concat(parts...)
	return concat(u32(8+len(body)), []byte(typ), body)
}

// mp4FullBox is a box that starts with a version and 24 bits of flags.
func mp4FullBox(typ string, version byte, flags uint32, parts ...[]byte) []byte {
	head := byteorder.BigEndian.AppendUint32(nil, uint32(version)<<24|flags)
	return mp4Box(typ, append([][]byte{head}, parts...)...)
}

// u32 is v as 4 bytes, big-endian.
func u32(v int) []byte { return byteorder.BigEndian.AppendUint32(nil, uint32(v)) }

// concat is the parts one after the other.
func concat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// TestLongFileBuilders: every builder makes a file that audio.Open
// recognises and decodes whole to the length asked for, less at most one
// pass over its seed; here two minutes of each. With LONG_AUDIO_DIR set it
// also writes the two-hour files there (two-hours.NAME), to decode them
// with `xdnactl decode` or ffmpeg.
func TestLongFileBuilders(t *testing.T) {
	const seconds = 120
	dir := os.Getenv("LONG_AUDIO_DIR")
	for _, f := range longFiles {
		t.Run(f.name, func(t *testing.T) {
			data := f.make(t, seconds)
			d, err := audio.Open(context.Background(), bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			info := d.Info()
			if info.Codec != f.codec {
				t.Errorf("codec %q, want %q", info.Codec, f.codec)
			}
			var frames int64
			for {
				b, err := d.Next()
				if err != nil {
					if !errors.Is(err, io.EOF) {
						t.Fatalf("after %d samples: %v", frames, err)
					}
					break
				}
				frames += int64(len(b[0]))
			}
			got := float64(frames) / float64(info.SampleRate)
			if got < seconds-11 || got > seconds {
				t.Errorf("%.3f s decoded, want %d s less at most 11 s", got, seconds)
			}
			if info.Frames >= 0 && info.Frames != frames {
				t.Errorf("Info.Frames %d, %d decoded", info.Frames, frames)
			}
			if dir != "" {
				if err := os.WriteFile(filepath.Join(dir, "two-hours."+f.name), f.make(t, 2*3600), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestTwoHourFilesStayWithinThePoolBound: a worker transcribes two-hour
// files of every pure-Go format, one worker process per format, and its
// peak RSS stays within the same bound as for a two-hour WAV: the pools
// plus 100 MB, whatever the format (decoding streams through fixed buffers
// into the job's spool on disk).
func TestTwoHourFilesStayWithinThePoolBound(t *testing.T) {
	if testing.Short() {
		t.Skip("long audio: skipped with -short")
	}
	const seconds = 2 * 3600
	s := newStack(t)
	peaks := map[string]int64{}
	for _, f := range longFiles {
		data := f.make(t, seconds)
		ref := s.upload("long/two-hours."+f.name, data)
		p := s.start(map[string]string{"XDNA_SIM_WINDOW_MS": "0", "MAX_AUDIO_BYTES": "1GiB", "WORKER_ID": "long-" + f.name})
		id := "two-hours-" + f.name
		if err := s.pub.Submit(context.Background(), &job.Job{ID: id, Audio: ref}); err != nil {
			t.Fatal(err)
		}
		res := s.await(id, 5*time.Minute)
		if res.Status != job.StatusSucceeded {
			t.Fatalf("%s: %+v", f.name, res.Error)
		}
		if res.DurationS < seconds-60 || res.DurationS > seconds {
			t.Fatalf("%s: %.1f s of audio, want two hours", f.name, res.DurationS)
		}
		peaks[f.name] = p.peakRSS()
		bound := p.poolBytes() + 100<<20
		t.Logf("%s: %d MB file, %.1f s, decode %d ms, peak RSS %d MiB (bound %d MiB)", f.name, len(data)>>20, res.DurationS, res.TimingsMS["decode"], peaks[f.name]>>20, bound>>20)
		if peaks[f.name] > bound {
			t.Errorf("%s: peak RSS %d MiB above the pools + 100 MB (%d MiB)", f.name, peaks[f.name]>>20, bound>>20)
		}
		if err := p.terminate(30 * time.Second); err != nil {
			t.Fatal(err)
		}
	}
	fmt.Fprintf(os.Stderr, "two-hour peak RSS by format (MiB): %v\n", mib(peaks))
}

func mib(m map[string]int64) map[string]int64 {
	out := map[string]int64{}
	for k, v := range m {
		out[k] = v >> 20
	}
	return out
}

// peakRSS is the process's peak resident set (VmHWM), read from /proc.
func (p *proc) peakRSS() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		p.t.Fatalf("read /proc status: %v", err)
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
			var kb int64
			fmt.Sscan(string(v), &kb)
			return kb << 10
		}
	}
	p.t.Fatal("no VmHWM in /proc status")
	return 0
}

// poolBytes is what the worker's pools occupy at capacity (/health).
func (p *proc) poolBytes() int64 {
	return int64(p.health()["pool_bytes"].(float64))
}

// await waits for the result of one job.
func (s *stack) await(id string, timeout time.Duration) *job.Result {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var res *job.Result
	if err := queue.Await(ctx, s.js, s.qc, []string{id}, func(r *job.Result) { res = r }); err != nil {
		s.t.Fatalf("no result for %s: %v", id, err)
	}
	return res
}
