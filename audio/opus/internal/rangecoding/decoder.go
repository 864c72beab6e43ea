// Package rangecoding is the range decoder of RFC 6716 section 4.1, which
// both layers of Opus (SILK and CELT) read their symbols with. It follows
// libopus's entdec.c and laplace.c.
package rangecoding

import "math/bits"

// Constants of the range coder (RFC 6716 section 4.1; libopus mfrngcod.h).
const (
	symBits   = 8
	codeBits  = 32
	symMax    = 1<<symBits - 1
	codeTop   = 1 << (codeBits - 1)
	codeBot   = codeTop >> symBits
	codeExtra = (codeBits-2)%symBits + 1
	uintBits  = 8 // bits of an integer coded with the range coder, the rest raw
	// windowSize is the width of the raw-bit window.
	windowSize = 32
	// BitRes is the resolution of TellFrac: 1/8 bit.
	BitRes = 3
)

// Decoder reads range-coded symbols from the front of a frame and raw bits
// from its end. Reading past either end yields zeros, as in libopus: a
// truncated frame decodes to something, never to a failure.
type Decoder struct {
	buf        []byte
	storage    uint32 // bytes of buf in use
	endOffs    uint32 // raw-bit bytes read from the end
	endWindow  uint32
	nendBits   int
	nbitsTotal int
	offs       uint32
	rng        uint32
	val        uint32
	ext        uint32
	rem        int
}

// Init starts decoding buf.
func (d *Decoder) Init(buf []byte) {
	*d = Decoder{buf: buf, storage: uint32(len(buf))}
	d.nbitsTotal = codeBits + 1 - ((codeBits-codeExtra)/symBits)*symBits
	d.rng = 1 << codeExtra
	d.rem = d.readByte()
	d.val = d.rng - 1 - uint32(d.rem>>(symBits-codeExtra))
	d.normalize()
}

// Shrink removes n bytes from the end of the frame (where raw bits are
// read), as the Opus layer does for a redundant CELT frame.
func (d *Decoder) Shrink(n uint32) {
	if n > d.storage {
		n = d.storage
	}
	d.storage -= n
}

// AddBits counts n more bits as read without reading them, as CELT does
// for a silent frame.
func (d *Decoder) AddBits(n int) { d.nbitsTotal += n }

// Storage is the number of bytes of the frame.
func (d *Decoder) Storage() uint32 { return d.storage }

// Range is the current range, which the final range check of RFC 6716
// compares.
func (d *Decoder) Range() uint32 { return d.rng }

func (d *Decoder) readByte() int {
	if d.offs < d.storage {
		b := d.buf[d.offs]
		d.offs++
		return int(b)
	}
	return 0
}

func (d *Decoder) readByteFromEnd() uint32 {
	if d.endOffs < d.storage {
		d.endOffs++
		return uint32(d.buf[d.storage-d.endOffs])
	}
	return 0
}

func (d *Decoder) normalize() {
	for d.rng <= codeBot {
		d.nbitsTotal += symBits
		d.rng <<= symBits
		sym := d.rem
		d.rem = d.readByte()
		sym = (sym<<symBits | d.rem) >> (symBits - codeExtra)
		d.val = ((d.val << symBits) + (symMax &^ uint32(sym))) & (codeTop - 1)
	}
}

// Decode returns the cumulative frequency of the next symbol in a
// distribution of total ft; Update must follow.
func (d *Decoder) Decode(ft uint32) uint32 {
	d.ext = d.rng / ft
	s := d.val / d.ext
	return ft - min(s+1, ft)
}

// DecodeBin is Decode for a total of 1<<bits.
func (d *Decoder) DecodeBin(bits uint) uint32 {
	d.ext = d.rng >> bits
	s := d.val / d.ext
	return (1 << bits) - min(s+1, 1<<bits)
}

// Update consumes the symbol with cumulative frequencies [fl, fh) of ft.
func (d *Decoder) Update(fl, fh, ft uint32) {
	s := d.ext * (ft - fh)
	d.val -= s
	if fl > 0 {
		d.rng = d.ext * (fh - fl)
	} else {
		d.rng -= s
	}
	d.normalize()
}

// BitLogp decodes a bit that is 1 with probability 1/(1<<logp).
func (d *Decoder) BitLogp(logp uint) bool {
	r := d.rng
	v := d.val
	s := r >> logp
	ret := v < s
	if !ret {
		d.val = v - s
		d.rng = r - s
	} else {
		d.rng = s
	}
	d.normalize()
	return ret
}

// ICDF decodes a symbol with the inverse cumulative distribution icdf,
// whose total is 1<<ftb.
func (d *Decoder) ICDF(icdf []uint8, ftb uint) int {
	s := d.rng
	v := d.val
	r := s >> ftb
	ret := -1
	var t uint32
	for {
		t = s
		ret++
		s = r * uint32(icdf[ret])
		if v >= s {
			break
		}
	}
	d.val = v - s
	d.rng = t - s
	d.normalize()
	return ret
}

// Uint decodes an integer uniformly distributed in [0, ft), ft > 1.
func (d *Decoder) Uint(ft uint32) uint32 {
	ft--
	ftb := bits.Len32(ft)
	if ftb > uintBits {
		ftb -= uintBits
		f := ft>>uint(ftb) + 1
		s := d.Decode(f)
		d.Update(s, s+1, f)
		t := s<<uint(ftb) | d.Bits(uint(ftb))
		if t <= ft {
			return t
		}
		return ft // out of range: libopus flags an error nobody reads

	}
	ft++
	s := d.Decode(ft)
	d.Update(s, s+1, ft)
	return s
}

// Bits reads n ≤ 25 raw bits from the end of the frame.
func (d *Decoder) Bits(n uint) uint32 {
	window := d.endWindow
	available := d.nendBits
	if uint(available) < n {
		for {
			window |= d.readByteFromEnd() << uint(available)
			available += symBits
			if available > windowSize-symBits {
				break
			}
		}
	}
	ret := window & (1<<n - 1)
	window >>= n
	available -= int(n)
	d.endWindow = window
	d.nendBits = available
	d.nbitsTotal += int(n)
	return ret
}

// Tell is the number of bits read so far, rounded up.
func (d *Decoder) Tell() int {
	return d.nbitsTotal - bits.Len32(d.rng)
}

// tellCorrection holds the thresholds of TellFrac's fractional bits.
var tellCorrection = [8]uint32{35733, 38967, 42495, 46340, 50535, 55109, 60097, 65535}

// TellFrac is the number of bits read so far in 1/8 bits, rounded up.
func (d *Decoder) TellFrac() int {
	nbits := d.nbitsTotal << BitRes
	l := bits.Len32(d.rng)
	r := d.rng >> uint(l-16)
	b := (r >> 12) - 8
	if r > tellCorrection[b] {
		b++
	}
	return nbits - (l<<3 + int(b))
}

// Laplace decodes a value of CELT's Laplace-like distribution with
// probability of zero fs (of 32768) and decay rate decay (RFC 6716 section
// 4.3.2.1).
func (d *Decoder) Laplace(fs uint32, decay int) int {
	const minP = 1
	const nMin = 16
	val := 0
	fm := d.DecodeBin(15)
	fl := uint32(0)
	if fm >= fs {
		val++
		fl = fs
		ft := 32768 - minP*(2*nMin) - fs
		fs = uint32(int32(ft)*int32(16384-decay)>>15) + minP
		for fs > minP && fm >= fl+2*fs {
			fs *= 2
			fl += fs
			fs = uint32(int32(fs-2*minP)*int32(decay)>>15) + minP
			val++
		}
		if fs <= minP {
			di := (fm - fl) >> 1
			val += int(di)
			fl += 2 * di * minP
		}
		if fm < fl+fs {
			val = -val
		} else {
			fl += fs
		}
	}
	d.Update(fl, min(fl+fs, 32768), 32768)
	return val
}
