package opus_test

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
	"github.com/xdna-worker/xdna-worker/audio/opus"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// Limits of the fuzz targets, to keep each input fast.
const (
	fuzzMaxPackets = 48
	fuzzMaxOutput  = 48000 * 4 // samples per channel
)

// splitPackets reads packets from data, each preceded by its length (two
// bytes, little-endian); the last takes what is left.
func splitPackets(data []byte) [][]byte {
	var pkts [][]byte
	for len(data) >= 2 && len(pkts) < fuzzMaxPackets {
		n := int(binary.LittleEndian.Uint16(data)) % 1600
		data = data[2:]
		n = min(n, len(data))
		pkts = append(pkts, data[:n])
		data = data[n:]
	}
	return pkts
}

// joinPackets is the inverse of splitPackets, for seeds.
func joinPackets(pkts ...[]byte) []byte {
	var b []byte
	for _, p := range pkts {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(p)))
		b = append(b, p...)
	}
	return b
}

// FuzzPacket feeds arbitrary packets to a mono, a stereo and a 5.1
// multistream decoder (two coupled and two mono streams), carrying their
// state from packet to packet. Every packet either decodes to well-formed
// audio or returns an error wrapping pcm.ErrMalformed.
func FuzzPacket(f *testing.F) {
	for _, name := range []string{"silk_stereo_24k", "hybrid_cbr_60ms", "celt_128k_2.5ms", "switch_hybrid_to_celt", "surround51", "silk_wb_10ms_fec", "modes_spliced"} {
		_, pkts := readPackets(f, name)
		f.Add(joinPackets(pkts[:min(3, len(pkts))]...))
	}
	f.Add(joinPackets([]byte{31 << 3}, []byte{0xFC}, []byte{31<<3 | 3, 0x41, 255}))
	mono := opus.Head{Version: 1, Channels: 1, Streams: 1, Coupled: 0, Mapping: []byte{0}}
	stereo := opus.Head{Version: 1, Channels: 2, Streams: 1, Coupled: 1, Mapping: []byte{0, 1}}
	surround := opus.Head{Version: 1, Channels: 6, MappingFamily: 1, Streams: 4, Coupled: 2, Mapping: []byte{0, 4, 1, 2, 3, 5}}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, h := range []opus.Head{mono, stereo, surround} {
			dec, err := opus.NewDecoder(h)
			if err != nil {
				t.Fatal(err)
			}
			total := 0
			for _, p := range splitPackets(data) {
				out, err := dec.Decode(p)
				if err != nil {
					if !errors.Is(err, pcm.ErrMalformed) {
						t.Fatalf("error not wrapping ErrMalformed: %v", err)
					}
					continue
				}
				audiotest.CheckBlock(t, out, h.Channels, opus.MaxPacketSamples)
				for _, ch := range out {
					for _, v := range ch {
						if math.IsNaN(float64(v)) || v > 2 || v < -2 {
							t.Fatalf("sample %v out of range", v)
						}
					}
				}
				if total += len(out[0]); total > fuzzMaxOutput {
					break
				}
			}
		}
	})
}

// FuzzHead parses arbitrary OpusHead packets: an error wraps
// pcm.ErrMalformed or pcm.ErrUnsupported; a header that parses makes a
// decoder whose channels and layout agree with it, and which decodes a
// packet of silence (DTX) in every stream.
func FuzzHead(f *testing.F) {
	for _, name := range []string{"silk_nb_8k", "celt_64k_stereo", "surround51", "family255"} {
		f.Add(readHeadPacket(f, name))
	}
	f.Add([]byte("OpusHead\x01\x02\x38\x01\x80\xbb\x00\x00\x00\x00\x01\x01\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := opus.ParseHead(data)
		if !audiotest.Accepted(t, err) {
			return
		}
		if h.Channels < 1 || h.Channels > opus.MaxChannels || len(h.Mapping) != h.Channels || h.Streams < 1 || h.Coupled > h.Streams {
			t.Fatalf("inconsistent head %+v", h)
		}
		dec, err := opus.NewDecoder(h)
		if err != nil {
			t.Fatalf("NewDecoder refuses what ParseHead accepts: %v", err)
		}
		if dec.Channels() != h.Channels || len(dec.Layout()) != h.Channels {
			t.Fatalf("decoder of %d channels, layout %v, for %d", dec.Channels(), dec.Layout(), h.Channels)
		}
		// One DTX frame per stream, all but the last self-delimited.
		var p []byte
		for s := 0; s < h.Streams-1; s++ {
			p = append(p, 31<<3, 0)
		}
		p = append(p, 31<<3)
		out, err := dec.Decode(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != h.Channels || len(out[0]) != 960 {
			t.Fatalf("DTX packet: %d channels of %d samples", len(out), len(out[0]))
		}
	})
}
