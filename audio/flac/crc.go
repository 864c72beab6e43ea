package flac

// FLAC's checksums (RFC 9639 sections 9.1.8 and 9.3): CRC-8 with polynomial
// x^8 + x^2 + x + 1 over each frame header, CRC-16 with polynomial
// x^16 + x^15 + x^2 + 1 over each whole frame, both initialised to 0, most
// significant bit first.
const (
	crc8Poly  = 0x07
	crc16Poly = 0x8005
)

// crc8Table and crc16Table are the byte-at-a-time tables; crc16Tables
// extends the latter to eight bytes at a time ("slicing by 8").
var (
	crc8Table   = makeCRC8Table()
	crc16Tables = makeCRC16Tables()
)

func makeCRC8Table() (t [256]uint8) {
	for i := range t {
		c := uint8(i)
		for range 8 {
			if c&0x80 != 0 {
				c = c<<1 ^ crc8Poly
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}

func makeCRC16Tables() (t [8][256]uint16) {
	for i := range t[0] {
		c := uint16(i) << 8
		for range 8 {
			if c&0x8000 != 0 {
				c = c<<1 ^ crc16Poly
			} else {
				c <<= 1
			}
		}
		t[0][i] = c
	}
	for i := range t[0] {
		for k := 1; k < len(t); k++ {
			prev := t[k-1][i]
			t[k][i] = prev<<8 ^ t[0][prev>>8]
		}
	}
	return t
}

// crc8 returns the CRC-8 of p.
func crc8(p []byte) uint8 {
	var c uint8
	for _, b := range p {
		c = crc8Table[c^b]
	}
	return c
}

// crc16Update returns the CRC-16 c extended by p.
func crc16Update(c uint16, p []byte) uint16 {
	t := &crc16Tables
	for len(p) >= 8 {
		c = t[7][p[0]^byte(c>>8)] ^ t[6][p[1]^byte(c)] ^
			t[5][p[2]] ^ t[4][p[3]] ^ t[3][p[4]] ^ t[2][p[5]] ^ t[1][p[6]] ^ t[0][p[7]]
		p = p[8:]
	}
	for _, b := range p {
		c = c<<8 ^ t[0][byte(c>>8)^b]
	}
	return c
}
