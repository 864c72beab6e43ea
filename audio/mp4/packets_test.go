package mp4

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
)

// packet is one access unit as ffprobe lists it in a .packets file.
type packet struct {
	pts      int64
	duration int64 // -1 when ffprobe prints N/A
	size     int
	crc      uint32
}

// readPackets reads a .packets file written by testdata/make.sh.
func readPackets(t *testing.T, path string) []packet {
	t.Helper()
	f := audiotest.Open(t, path)
	var ps []packet
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Split(sc.Text(), ",")
		if len(fs) != 4 {
			t.Fatalf("%s: bad line %q", path, sc.Text())
		}
		var p packet
		var err1, err2, err3, err4 error
		p.pts, err1 = strconv.ParseInt(fs[0], 10, 64)
		if fs[1] == "N/A" {
			p.duration = -1
		} else {
			p.duration, err2 = strconv.ParseInt(fs[1], 10, 64)
		}
		p.size, err3 = strconv.Atoi(fs[2])
		c, err4 := strconv.ParseUint(fs[3], 16, 32)
		p.crc = uint32(c)
		if err := errors.Join(err1, err2, err3, err4); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		ps = append(ps, p)
	}
	return ps
}

// demuxedPacket is an access unit the demuxer hands to the codec.
type demuxedPacket struct {
	sample
	crc uint32
}

// demuxAll opens b as the demuxer does for the decoder and returns every
// access unit it would decode, with a cap on their number.
func demuxAll(b []byte, limit int) (*demuxer, []demuxedPacket, error) {
	src, err := newSource(bytes.NewReader(b))
	if err != nil {
		return nil, nil, err
	}
	d, err := openDemuxer(src)
	if err != nil {
		return nil, nil, err
	}
	if err := d.prepare(); err != nil {
		return d, nil, err
	}
	var ps []demuxedPacket
	buf := make([]byte, MaxSampleSize)
	for len(ps) < limit {
		s, err := d.nextSample()
		if errors.Is(err, io.EOF) {
			return d, ps, nil
		}
		if err != nil {
			return d, ps, err
		}
		if s.size > MaxSampleSize {
			return d, ps, fmt.Errorf("sample of %d bytes", s.size)
		}
		if err := src.readAt(buf[:s.size], s.offset, "sample"); err != nil {
			return d, ps, err
		}
		ps = append(ps, demuxedPacket{s, crc32.ChecksumIEEE(buf[:s.size])})
	}
	return d, ps, nil
}

// TestPacketsMatchFFprobe checks, for every fixture, that the demuxer
// yields the access units ffmpeg's demuxer gives its decoder: the same
// number, bytes, decode times and durations.
func TestPacketsMatchFFprobe(t *testing.T) {
	for _, f := range decodable {
		t.Run(f.name, func(t *testing.T) {
			want := readPackets(t, "testdata/"+f.name+".packets")
			b := audiotest.ReadFixture(t, f.name)
			d, got, err := demuxAll(b, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("%d access units, ffprobe lists %d", len(got), len(want))
			}
			// ffprobe's timestamps count from the edit's start.
			shift := int64(0)
			if d.track.edit.present && d.fragments == nil {
				shift = d.track.edit.mediaTime
			}
			for i, w := range want {
				g := got[i]
				if int(g.size) != w.size || g.crc != w.crc {
					t.Fatalf("access unit %d: %d bytes crc %08x, ffprobe %d bytes crc %08x", i, g.size, g.crc, w.size, w.crc)
				}
				if g.time-shift != w.pts {
					t.Errorf("access unit %d: time %d, ffprobe %d", i, g.time-shift, w.pts)
				}
				if w.duration >= 0 && int64(g.duration) != w.duration && i != len(want)-1 {
					t.Errorf("access unit %d: duration %d, ffprobe %d", i, g.duration, w.duration)
				}
			}
		})
	}
}
