package aac

// Scale factor bands (ISO/IEC 14496-3 subpart 4, the swb_offset tables): the
// first spectral line of each band of a long (1024-line) or short
// (128-line) window, ending with the window's length.
var (
	swbLong96 = [...]uint16{0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 64, 72, 80, 88, 96,
		108, 120, 132, 144, 156, 172, 188, 212, 240, 276, 320, 384, 448, 512, 576, 640, 704, 768, 832,
		896, 960, 1024}
	swbLong64 = [...]uint16{0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 64, 72, 80, 88, 100,
		112, 124, 140, 156, 172, 192, 216, 240, 268, 304, 344, 384, 424, 464, 504, 544, 584, 624, 664, 704,
		744, 784, 824, 864, 904, 944, 984, 1024}
	swbLong48 = [...]uint16{0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 48, 56, 64, 72, 80, 88, 96, 108, 120,
		132, 144, 160, 176, 196, 216, 240, 264, 292, 320, 352, 384, 416, 448, 480, 512, 544, 576, 608,
		640, 672, 704, 736, 768, 800, 832, 864, 896, 928, 1024}
	swbLong32 = [...]uint16{0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 48, 56, 64, 72, 80, 88, 96, 108, 120,
		132, 144, 160, 176, 196, 216, 240, 264, 292, 320, 352, 384, 416, 448, 480, 512, 544, 576, 608,
		640, 672, 704, 736, 768, 800, 832, 864, 896, 928, 960, 992, 1024}
	swbLong24 = [...]uint16{0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 52, 60, 68, 76, 84, 92, 100, 108,
		116, 124, 136, 148, 160, 172, 188, 204, 220, 240, 260, 284, 308, 336, 364, 396, 432, 468, 508,
		552, 600, 652, 704, 768, 832, 896, 960, 1024}
	swbLong16 = [...]uint16{0, 8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 100, 112, 124, 136, 148, 160,
		172, 184, 196, 212, 228, 244, 260, 280, 300, 320, 344, 368, 396, 424, 456, 492, 532, 572, 616,
		664, 716, 772, 832, 896, 960, 1024}
	swbLong8 = [...]uint16{0, 12, 24, 36, 48, 60, 72, 84, 96, 108, 120, 132, 144, 156, 172, 188, 204, 220,
		236, 252, 268, 288, 308, 328, 348, 372, 396, 420, 448, 476, 508, 544, 580, 620, 664, 712, 764,
		820, 880, 944, 1024}

	swbShort96 = [...]uint16{0, 4, 8, 12, 16, 20, 24, 32, 40, 48, 64, 92, 128}
	swbShort48 = [...]uint16{0, 4, 8, 12, 16, 20, 28, 36, 44, 56, 68, 80, 96, 112, 128}
	swbShort24 = [...]uint16{0, 4, 8, 12, 16, 20, 24, 28, 36, 44, 52, 64, 76, 92, 108, 128}
	swbShort16 = [...]uint16{0, 4, 8, 12, 16, 20, 24, 28, 32, 40, 48, 60, 72, 88, 108, 128}
	swbShort8  = [...]uint16{0, 4, 8, 12, 16, 20, 24, 28, 36, 44, 52, 60, 72, 88, 108, 128}
)

// Largest band counts of any sampling frequency.
const (
	maxBandsLong  = 51
	maxBandsShort = 15
)

// bandTables are the scale factor bands and TNS limits of one sampling
// frequency index.
type bandTables struct {
	long, short []uint16 // band offsets, len = bands+1
	// tnsLong and tnsShort are TNS_MAX_BANDS of AAC-LC (ISO/IEC 14496-3
	// subpart 4): TNS filters no band at or above them.
	tnsLong, tnsShort int
}

// bandTablesByIndex holds the tables of sampling frequency index 0–12.
var bandTablesByIndex = [13]bandTables{
	{swbLong96[:], swbShort96[:], 31, 9},  // 96000
	{swbLong96[:], swbShort96[:], 31, 9},  // 88200
	{swbLong64[:], swbShort96[:], 34, 10}, // 64000
	{swbLong48[:], swbShort48[:], 40, 14}, // 48000
	{swbLong48[:], swbShort48[:], 42, 14}, // 44100
	{swbLong32[:], swbShort48[:], 51, 14}, // 32000
	{swbLong24[:], swbShort24[:], 46, 14}, // 24000
	{swbLong24[:], swbShort24[:], 46, 14}, // 22050
	{swbLong16[:], swbShort16[:], 42, 14}, // 16000
	{swbLong16[:], swbShort16[:], 42, 14}, // 12000
	{swbLong16[:], swbShort16[:], 42, 14}, // 11025
	{swbLong8[:], swbShort8[:], 39, 14},   // 8000
	{swbLong8[:], swbShort8[:], 39, 14},   // 7350
}
