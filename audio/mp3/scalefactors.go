package mp3

// maxBands is the most scalefactor band entries a granule has (13 short
// bands of three windows).
const maxBands = 40

// Scalefactors of one granule of one channel, by entry of its bandLayout.
// Entries past those the bitstream codes are 0.
type scalefactors struct {
	v [maxBands]int
	// max is, per entry, the largest value its field width can code. In
	// the right channel of MPEG-2 intensity stereo that value marks an
	// illegal intensity position.
	max [maxBands]int
}

// MPEG-1 scalefactor field widths by scalefac_compress, ISO/IEC 11172-3
// 2.4.2.7: slen1 for bands 0-10, slen2 for bands 11-20.
var (
	slen1 = [16]int{0, 0, 0, 0, 3, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4}
	slen2 = [16]int{0, 1, 2, 3, 0, 1, 2, 3, 1, 2, 3, 1, 2, 3, 2, 3}
)

// lsfPartitions is nr_of_sfb_block of ISO/IEC 13818-3 Table B.3: how many
// scalefactor entries each of the four field widths covers, by
// [layout kind][table index].
var lsfPartitions = [3][6][4]int{
	layoutLong:  {{6, 5, 5, 5}, {6, 5, 7, 3}, {11, 10, 0, 0}, {7, 7, 7, 0}, {6, 6, 6, 3}, {8, 8, 5, 0}},
	layoutShort: {{9, 9, 9, 9}, {9, 9, 12, 6}, {18, 18, 0, 0}, {12, 12, 12, 0}, {12, 9, 9, 6}, {15, 12, 9, 0}},
	layoutMixed: {{6, 9, 9, 9}, {6, 9, 12, 6}, {15, 18, 0, 0}, {6, 15, 12, 0}, {6, 12, 9, 6}, {6, 18, 9, 0}},
}

// mpeg1Partitions are the MPEG-1 counterparts: entries per group and
// whether the group uses slen1 (else slen2). For long blocks the four
// groups are also the scfsi bands.
var mpeg1Partitions = [3][4]struct {
	n     int
	first bool
}{
	layoutLong:  {{6, true}, {5, true}, {5, false}, {5, false}},
	layoutShort: {{9, true}, {9, true}, {9, false}, {9, false}},
	layoutMixed: {{8, true}, {9, true}, {9, false}, {9, false}},
}

// readScalefactors reads the scalefactors of granule g (of layout kind
// `kind`) from r into sf. prev holds the same channel's scalefactors of
// granule 0, for the bands whose scfsi bit is set. For MPEG-2 it also sets
// g.preflag; rightIS is true for the right channel of an intensity-stereo
// MPEG-2 frame.
func readScalefactors(r *bitReader, h header, g *granuleInfo, kind int, rightIS bool, prev, sf *scalefactors) {
	*sf = scalefactors{}
	pos := 0
	if !h.lsf() {
		s1, s2 := slen1[g.sfCompress], slen2[g.sfCompress]
		for p, part := range mpeg1Partitions[kind] {
			n := s2
			if part.first {
				n = s1
			}
			for range part.n {
				if kind == layoutLong && g.scfsi[p] {
					sf.v[pos] = prev.v[pos]
				} else {
					sf.v[pos] = int(r.read(n))
				}
				sf.max[pos] = 1<<n - 1
				pos++
			}
		}
		return
	}
	var slen [4]int
	table := 0
	if c := g.sfCompress; !rightIS {
		switch {
		case c < 400:
			slen = [4]int{(c >> 4) / 5, (c >> 4) % 5, (c & 15) >> 2, c & 3}
		case c < 500:
			c -= 400
			slen = [4]int{(c >> 2) / 5, (c >> 2) % 5, c & 3, 0}
			table = 1
		default:
			c -= 500
			slen = [4]int{c / 3, c % 3, 0, 0}
			table = 2
			g.preflag = true
		}
	} else {
		c >>= 1 // the low bit is intensity_scale
		switch {
		case c < 180:
			slen = [4]int{c / 36, c % 36 / 6, c % 36 % 6, 0}
			table = 3
		case c < 244:
			c -= 180
			slen = [4]int{c % 64 >> 4, c % 16 >> 2, c % 4, 0}
			table = 4
		default:
			c -= 244
			slen = [4]int{c / 3, c % 3, 0, 0}
			table = 5
		}
	}
	for p, n := range lsfPartitions[kind][table] {
		for range n {
			sf.v[pos] = int(r.read(slen[p]))
			sf.max[pos] = 1<<slen[p] - 1
			pos++
		}
	}
}
