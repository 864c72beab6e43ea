package mp3

// Block types of a granule (block_type).
const (
	blockNormal = 0
	blockStart  = 1
	blockShort  = 2
	blockStop   = 3
)

// A granuleInfo is the side information of one granule of one channel,
// ISO/IEC 11172-3 2.4.1.7 and 13818-3 2.4.1.7.
type granuleInfo struct {
	part23       int // part2_3_length: bits of scalefactors and Huffman data
	bigValues    int // pairs in the big-value regions
	globalGain   int
	sfCompress   int // scalefac_compress: 4 bits (MPEG-1) or 9 (MPEG-2)
	blockType    int
	mixed        bool // mixed_block_flag: long blocks below 36 lines
	tableSelect  [3]int
	subblockGain [3]int
	region0Count int
	region1Count int
	preflag      bool
	sfScale      int     // scalefac_scale
	count1Table  int     // 0: table A, 1: table B
	scfsi        [4]bool // scalefactors of band groups reused from granule 0
}

// A sideInfo is the side information of a Layer III frame.
type sideInfo struct {
	mainDataBegin int // bytes of the frame's main data held in earlier frames
	granules      int // 2 for MPEG-1, 1 for MPEG-2 and 2.5
	gr            [2][2]granuleInfo
}

// parseSideInfo reads the side information of a frame with header h from
// b (h.sideInfoSize() bytes followed by bitPad readable bytes).
func parseSideInfo(h header, b []byte, si *sideInfo) error {
	r := bitReader{buf: b}
	nch := h.channels()
	var scfsi [2][4]bool
	if h.lsf() {
		si.granules = 1
		si.mainDataBegin = int(r.read(8))
		r.read(nch) // private bits
	} else {
		si.granules = 2
		si.mainDataBegin = int(r.read(9))
		if nch == 1 {
			r.read(5)
		} else {
			r.read(3)
		}
		for ch := range nch {
			for g := range 4 {
				scfsi[ch][g] = r.bit() == 1
			}
		}
	}
	for gr := range si.granules {
		for ch := range nch {
			g := &si.gr[gr][ch]
			*g = granuleInfo{}
			g.part23 = int(r.read(12))
			g.bigValues = int(r.read(9))
			if g.bigValues > 288 {
				return malformed("side information: %d big-value pairs, more than the 288 of a granule", g.bigValues)
			}
			g.globalGain = int(r.read(8))
			if h.lsf() {
				g.sfCompress = int(r.read(9))
			} else {
				g.sfCompress = int(r.read(4))
			}
			if r.bit() == 1 { // window_switching_flag
				g.blockType = int(r.read(2))
				if g.blockType == blockNormal {
					return malformed("side information: window switching with block type 0")
				}
				g.mixed = r.bit() == 1
				g.tableSelect[0] = int(r.read(5))
				g.tableSelect[1] = int(r.read(5))
				for w := range 3 {
					g.subblockGain[w] = int(r.read(3))
				}
				// Implicit region counts: region 1 covers the rest and
				// region 2 is empty (regions are set from the block type).
				g.region0Count, g.region1Count = 7, 63
			} else {
				for t := range 3 {
					g.tableSelect[t] = int(r.read(5))
				}
				g.region0Count = int(r.read(4))
				g.region1Count = int(r.read(3))
			}
			if h.lsf() {
				g.preflag = false // set from scalefac_compress when read
			} else {
				g.preflag = r.bit() == 1
			}
			g.sfScale = int(r.bit())
			g.count1Table = int(r.bit())
			if gr == 1 && g.blockType != blockShort {
				g.scfsi = scfsi[ch]
			}
		}
	}
	return nil
}
