package ogg

// crcTable is the byte-wise table of Ogg's CRC-32: polynomial 0x04c11db7,
// most significant bit first, initial value 0, no final inversion.
var crcTable = func() (t [256]uint32) {
	for i := range t {
		c := uint32(i) << 24
		for range 8 {
			if c&0x80000000 != 0 {
				c = c<<1 ^ 0x04c11db7
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()

// crcUpdate continues the Ogg CRC c over p.
func crcUpdate(c uint32, p []byte) uint32 {
	for _, b := range p {
		c = c<<8 ^ crcTable[byte(c>>24)^b]
	}
	return c
}

// Checksum is the CRC-32 of an Ogg page (RFC 3533: polynomial 0x04c11db7,
// initial value and final XOR 0), computed over the whole page with its
// checksum field zeroed: the value its header must carry. For writers of
// Ogg pages (tests build long files with it).
func Checksum(page []byte) uint32 { return crcUpdate(0, page) }
