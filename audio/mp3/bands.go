package mp3

// Scalefactor bands: the widths, in spectral lines, of the bands that share
// a scalefactor, for each sampling frequency. ISO/IEC 11172-3 Table
// 3-B.8 and 13818-3 Table B.2; the MPEG-2.5 rows are those of the
// de-facto extension (as ffmpeg and minimp3 use them).

// rateIndex numbers the nine sampling frequencies: MPEG-1 44.1, 48 and
// 32 kHz, MPEG-2 22.05, 24 and 16 kHz, MPEG-2.5 11.025, 12 and 8 kHz.
func (h header) rateTable() int {
	switch h.version() {
	case mpeg1:
		return h.rateIndex()
	case mpeg2:
		return 3 + h.rateIndex()
	}
	return 6 + h.rateIndex()
}

// longWidths are the 22 long-block band widths; they add up to 576.
var longWidths = [9][22]int{
	{4, 4, 4, 4, 4, 4, 6, 6, 8, 8, 10, 12, 16, 20, 24, 28, 34, 42, 50, 54, 76, 158},
	{4, 4, 4, 4, 4, 4, 6, 6, 6, 8, 10, 12, 16, 18, 22, 28, 34, 40, 46, 54, 54, 192},
	{4, 4, 4, 4, 4, 4, 6, 6, 8, 10, 12, 16, 20, 24, 30, 38, 46, 56, 68, 84, 102, 26},
	{6, 6, 6, 6, 6, 6, 8, 10, 12, 14, 16, 20, 24, 28, 32, 38, 46, 52, 60, 68, 58, 54},
	{6, 6, 6, 6, 6, 6, 8, 10, 12, 14, 16, 18, 22, 26, 32, 38, 46, 52, 64, 70, 76, 36},
	{6, 6, 6, 6, 6, 6, 8, 10, 12, 14, 16, 20, 24, 28, 32, 38, 46, 52, 60, 68, 58, 54},
	{6, 6, 6, 6, 6, 6, 8, 10, 12, 14, 16, 20, 24, 28, 32, 38, 46, 52, 60, 68, 58, 54},
	{6, 6, 6, 6, 6, 6, 8, 10, 12, 14, 16, 20, 24, 28, 32, 38, 46, 52, 60, 68, 58, 54},
	{12, 12, 12, 12, 12, 12, 16, 20, 24, 28, 32, 40, 48, 56, 64, 76, 90, 2, 2, 2, 2, 2},
}

// shortWidths are the 13 short-block band widths of one window; they add
// up to 192.
var shortWidths = [9][13]int{
	{4, 4, 4, 4, 6, 8, 10, 12, 14, 18, 22, 30, 56},
	{4, 4, 4, 4, 6, 6, 10, 12, 14, 16, 20, 26, 66},
	{4, 4, 4, 4, 6, 8, 12, 16, 20, 26, 34, 42, 12},
	{4, 4, 4, 6, 6, 8, 10, 14, 18, 26, 32, 42, 18},
	{4, 4, 4, 6, 8, 10, 12, 14, 18, 24, 32, 44, 12},
	{4, 4, 4, 6, 8, 10, 12, 14, 18, 24, 30, 40, 18},
	{4, 4, 4, 6, 8, 10, 12, 14, 18, 24, 30, 40, 18},
	{4, 4, 4, 6, 8, 10, 12, 14, 18, 24, 30, 40, 18},
	{8, 8, 8, 12, 16, 20, 24, 28, 36, 2, 2, 2, 26},
}

// pretab is the pre-emphasis added to the long-block scalefactors when
// preflag is set, ISO/IEC 11172-3 Table 3-B.6.
var pretab = [22]int{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 3, 2, 0}

// mixedLongLines is how many lines a mixed block codes as long blocks: its
// two lowest subbands, four at 8 kHz (whose long bands are twice as wide).
func mixedLongLines(rate int) int {
	if rate == 8 {
		return 72
	}
	return 36
}

// A bandLayout is the sequence of scalefactor bands of a granule, in the
// order its spectrum is coded: long bands, then short bands with each band
// repeated for the three windows (band 0 window 0, 1, 2; band 1 ...).
type bandLayout struct {
	widths []int // in lines
	nLong  int   // the first nLong entries are long bands
}

// Band layouts by kind of granule.
const (
	layoutLong  = 0
	layoutShort = 1
	layoutMixed = 2
)

// bandLayouts holds the layouts by [rateTable][kind].
var bandLayouts = makeBandLayouts()

func makeBandLayouts() (t [9][3]bandLayout) {
	for r := range 9 {
		t[r][layoutLong] = bandLayout{widths: longWidths[r][:], nLong: 22}
		var short []int
		for _, w := range shortWidths[r] {
			short = append(short, w, w, w)
		}
		t[r][layoutShort] = bandLayout{widths: short}
		// Mixed: long bands up to mixedLongLines, then the short bands
		// from there on (a third of it in short-block lines).
		var mixed []int
		long := mixedLongLines(r)
		n := 0
		for _, w := range longWidths[r] {
			if n >= long {
				break
			}
			mixed = append(mixed, w)
			n += w
		}
		nLong := len(mixed)
		start := 0
		for _, w := range shortWidths[r] {
			end := start + w
			if end > long/3 {
				k := end - max(start, long/3)
				mixed = append(mixed, k, k, k)
			}
			start = end
		}
		t[r][layoutMixed] = bandLayout{widths: mixed, nLong: nLong}
	}
	return t
}

// longBoundary returns the first line of long band b (0 ≤ b ≤ 22) at the
// given rate table.
func longBoundary(rate, b int) int {
	n := 0
	for _, w := range longWidths[rate][:b] {
		n += w
	}
	return n
}
