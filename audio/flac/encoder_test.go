package flac

import (
	"crypto/md5"
	"encoding/binary"
	"math/bits"
)

// This file is a small FLAC encoder for the tests: it writes streams with
// exactly the features a test asks for (every subframe type, escaped and
// 5-bit Rice partitions, wasted bits, every stereo decorrelation, uncommon
// block sizes and sample rates, bit depths only STREAMINFO states, 33-bit
// side channels), so the decoder can be checked against the samples that
// went in, and malformed streams with valid CRCs can be made.

// bitWriter writes bits most significant first.
type bitWriter struct {
	b   []byte
	acc uint64
	n   uint // bits in acc
}

func (w *bitWriter) write(v uint64, k uint) {
	for k > 0 {
		take := min(k, 8)
		k -= take
		w.acc = w.acc<<take | v>>k&(1<<take-1)
		w.n += take
		for w.n >= 8 {
			w.n -= 8
			w.b = append(w.b, byte(w.acc>>w.n))
		}
	}
}

func (w *bitWriter) signed(v int64, k uint) { w.write(uint64(v)&(1<<k-1), k) }

func (w *bitWriter) unary(q uint64) {
	for ; q >= 32; q -= 32 {
		w.write(0, 32)
	}
	w.write(1, uint(q)+1)
}

func (w *bitWriter) align() {
	if w.n > 0 {
		w.write(0, 8-w.n)
	}
}

// Subframe kinds.
const (
	kindConstant = iota
	kindVerbatim
	kindFixed
	kindLPC
)

// subSpec says how to code one subframe.
type subSpec struct {
	kind      int
	order     int     // fixed or LPC order
	coefs     []int64 // LPC coefficients, latest sample first
	precision uint    // LPC coefficient precision (default 15)
	shift     int     // LPC shift
	wasted    uint
	rice2     bool   // 5-bit Rice parameters
	partOrder uint   // partition order
	escape    []bool // per partition: escaped (raw) residual
	param     int    // forced Rice parameter, or -1 to estimate
	header    int    // when > 0, this raw subframe header byte and nothing else
	method    int    // residual coding method override when > 0
}

// testFrame is one frame: the samples of each channel (after decoding) and
// how to code them.
type testFrame struct {
	samples [][]int64
	assign  int       // channel assignment; 0 means independent
	subs    []subSpec // per subframe; default fixed order 2
	// header overrides (0: derive)
	bsCode, rateCode, bitsCode int
	number                     int64 // coded number override when > 0
	badNumber                  bool
	reserved                   bool // set the header's reserved bit
	flipStrategy               bool // write the other blocking strategy
	extraBS                    int  // uncommon block size field override when > 0
	numberBytes                []byte
}

// testStream is a whole stream.
type testStream struct {
	rate, channels, bits int
	variable             bool
	minBlock, maxBlock   int   // 0: derive from the frames
	total                int64 // -1: derive
	noMD5                bool
	comments             []string // Vorbis comment fields
	frames               []testFrame
	extraBlocks          [][]byte // raw metadata blocks (header included) after STREAMINFO
}

// signal makes n deterministic samples of the given bit depth: a sine-ish
// wave plus noise, within the range.
func signal(n, bits, seed int) []int64 {
	s := make([]int64, n)
	x := uint64(seed)*0x9E3779B97F4A7C15 + 1
	amp := int64(1)<<(bits-1) - 1
	for i := range s {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		noise := int64(x%2001) - 1000
		v := int64(float64(amp) * 0.6 * sinApprox(float64(i+seed)*0.05))
		v += noise * amp / 20000
		s[i] = max(-amp-1, min(amp, v))
	}
	return s
}

// sinApprox is a smooth periodic function in [-1, 1] (a parabolic sine).
func sinApprox(x float64) float64 {
	const twoPi = 6.283185307179586
	x -= twoPi * float64(int64(x/twoPi))
	if x > twoPi/2 {
		x -= twoPi
	}
	return 4 / twoPi * 2 * x * (1 - abs(x)/(twoPi/2)) / 2
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func (s *testStream) encode() []byte {
	total := int64(0)
	minB, maxB := 65535, 0
	for i, f := range s.frames {
		n := len(f.samples[0])
		total += int64(n)
		if i < len(s.frames)-1 {
			minB = min(minB, n)
		}
		maxB = max(maxB, n)
	}
	if len(s.frames) <= 1 {
		minB = maxB
	}
	if s.minBlock != 0 {
		minB = s.minBlock
	}
	if s.maxBlock != 0 {
		maxB = s.maxBlock
	}
	maxB = max(maxB, 16)
	minB = min(max(minB, 16), maxB)
	if s.total >= 0 {
		total = s.total
	}
	var out []byte
	out = append(out, "fLaC"...)
	last := len(s.comments) == 0 && len(s.extraBlocks) == 0
	out = append(out, blockHeader(blockStreamInfo, streamInfoSize, last)...)
	var w bitWriter
	w.write(uint64(minB), 16)
	w.write(uint64(maxB), 16)
	w.write(0, 24)
	w.write(0, 24)
	w.write(uint64(s.rate), 20)
	w.write(uint64(s.channels-1), 3)
	w.write(uint64(s.bits-1), 5)
	w.write(uint64(total), 36)
	var sum [16]byte
	if !s.noMD5 {
		sum = s.md5()
	}
	out = append(out, w.b...)
	out = append(out, sum[:]...)
	for i, b := range s.extraBlocks {
		if i == len(s.extraBlocks)-1 && len(s.comments) == 0 {
			b = append([]byte(nil), b...)
			b[0] |= 0x80
		}
		out = append(out, b...)
	}
	if len(s.comments) > 0 {
		out = append(out, commentBlock(s.comments, true)...)
	}
	var number int64
	for _, f := range s.frames {
		out = append(out, s.encodeFrame(f, number)...)
		if s.variable {
			number += int64(len(f.samples[0]))
		} else {
			number++
		}
	}
	return out
}

func blockHeader(typ int, size int, last bool) []byte {
	h := []byte{byte(typ), byte(size >> 16), byte(size >> 8), byte(size)}
	if last {
		h[0] |= 0x80
	}
	return h
}

func commentBlock(fields []string, last bool) []byte {
	var body []byte
	le := binary.LittleEndian
	body = le.AppendUint32(body, 4)
	body = append(body, "test"...)
	body = le.AppendUint32(body, uint32(len(fields)))
	for _, f := range fields {
		body = le.AppendUint32(body, uint32(len(f)))
		body = append(body, f...)
	}
	return append(blockHeader(blockVorbisComment, len(body), last), body...)
}

// md5 is the STREAMINFO signature of the stream's samples.
func (s *testStream) md5() [16]byte {
	h := md5.New()
	width := (s.bits + 7) / 8
	for _, f := range s.frames {
		for i := range f.samples[0] {
			for c := range f.samples {
				v := f.samples[c][i]
				for k := range width {
					h.Write([]byte{byte(v >> (8 * k))})
				}
			}
		}
	}
	var sum [16]byte
	h.Sum(sum[:0])
	return sum
}

// codedNumber writes v in FLAC's extended UTF-8.
func codedNumber(v uint64) []byte {
	if v < 0x80 {
		return []byte{byte(v)}
	}
	n := 2
	for v >= 1<<(5*n+1) {
		n++
	}
	b := make([]byte, n)
	for i := n - 1; i > 0; i-- {
		b[i] = 0x80 | byte(v&0x3F)
		v >>= 6
	}
	b[0] = byte(0xFF<<(8-n)) | byte(v)
	return b
}

func (s *testStream) encodeFrame(f testFrame, number int64) []byte {
	n := len(f.samples[0])
	var w bitWriter
	w.write(0xFFF8>>1, 15)
	if s.variable != f.flipStrategy {
		w.write(1, 1)
	} else {
		w.write(0, 1)
	}
	bsCode, extraBS := blockSizeCode(n)
	if f.bsCode != 0 {
		bsCode = f.bsCode
	}
	rateCode, extraRate, rateBits := rateCodeOf(s.rate)
	if f.rateCode != 0 {
		rateCode = f.rateCode
		extraRate, rateBits = 0, 0
		switch rateCode {
		case 12:
			extraRate, rateBits = s.rate/1000, 8
		case 13:
			extraRate, rateBits = s.rate, 16
		case 14:
			extraRate, rateBits = s.rate/10, 16
		case 16: // "STREAMINFO" requested explicitly
			rateCode = 0
		}
	}
	bitsCode := bitsCodeOf(s.bits)
	if f.bitsCode != 0 {
		bitsCode = f.bitsCode & 7
	}
	assign := f.assign
	if assign == 0 {
		assign = s.channels - 1
	}
	w.write(uint64(bsCode), 4)
	w.write(uint64(rateCode), 4)
	w.write(uint64(assign), 4)
	w.write(uint64(bitsCode), 3)
	if f.reserved {
		w.write(1, 1)
	} else {
		w.write(0, 1)
	}
	num := uint64(number)
	if f.number > 0 {
		num = uint64(f.number)
	}
	switch {
	case f.badNumber:
		w.write(0xBF, 8)
	case f.numberBytes != nil:
		for _, b := range f.numberBytes {
			w.write(uint64(b), 8)
		}
	default:
		for _, b := range codedNumber(num) {
			w.write(uint64(b), 8)
		}
	}
	if f.extraBS > 0 {
		extraBS = f.extraBS
	}
	switch bsCode {
	case 6:
		w.write(uint64(extraBS), 8)
	case 7:
		w.write(uint64(extraBS), 16)
	}
	if rateBits > 0 {
		w.write(uint64(extraRate), uint(rateBits))
	}
	w.write(uint64(crc8(w.b)), 8)

	coded := codeChannels(f.samples, assign)
	for c, x := range coded {
		spec := subSpec{kind: kindFixed, order: 2, param: -1}
		if c < len(f.subs) {
			spec = f.subs[c]
		}
		bps := uint(s.bits)
		if isSide(assign, c) {
			bps++
		}
		writeSubframe(&w, x, bps, spec)
	}
	w.align()
	crc := crc16Update(0, w.b)
	w.write(uint64(crc), 16)
	return w.b
}

func isSide(assign, c int) bool { return sideBits(assign, c, 16) == 17 }

// codeChannels turns channels into the signals a channel assignment codes.
func codeChannels(ch [][]int64, assign int) [][]int64 {
	if assign < assignLeftSide {
		return ch
	}
	l, r := ch[0], ch[1]
	a, b := make([]int64, len(l)), make([]int64, len(l))
	for i := range l {
		side := l[i] - r[i]
		switch assign {
		case assignLeftSide:
			a[i], b[i] = l[i], side
		case assignRightSide:
			a[i], b[i] = side, r[i]
		case assignMidSide:
			a[i], b[i] = (l[i]+r[i])>>1, side
		}
	}
	return [][]int64{a, b}
}

func blockSizeCode(n int) (code, extra int) {
	switch n {
	case 192:
		return 1, 0
	case 576, 1152, 2304, 4608:
		return 2 + bits.TrailingZeros(uint(n/576)), 0
	case 256, 512, 1024, 2048, 4096, 8192, 16384, 32768:
		return 8 + bits.TrailingZeros(uint(n/256)), 0
	}
	if n <= 256 {
		return 6, n - 1
	}
	return 7, n - 1
}

func rateCodeOf(rate int) (code, extra, extraBits int) {
	for c := 1; c <= 11; c++ {
		if frameRates[c] == rate {
			return c, 0, 0
		}
	}
	switch {
	case rate%1000 == 0 && rate/1000 < 256:
		return 12, rate / 1000, 8
	case rate < 65536:
		return 13, rate, 16
	case rate%10 == 0 && rate/10 < 65536:
		return 14, rate / 10, 16
	}
	return 0, 0, 0
}

func bitsCodeOf(b int) int {
	for c, v := range frameBits {
		if v == b && v != 0 {
			return c
		}
	}
	return 0
}

func writeSubframe(w *bitWriter, x []int64, bps uint, spec subSpec) {
	if spec.header > 0 {
		w.write(uint64(spec.header), 8)
		return
	}
	typ := 0
	switch spec.kind {
	case kindVerbatim:
		typ = 1
	case kindFixed:
		typ = 8 + spec.order
	case kindLPC:
		typ = 31 + spec.order
	}
	w.write(uint64(typ), 7)
	if spec.wasted > 0 {
		w.write(1, 1)
		w.unary(uint64(spec.wasted - 1))
	} else {
		w.write(0, 1)
	}
	bps -= spec.wasted
	y := make([]int64, len(x))
	for i, v := range x {
		y[i] = v >> spec.wasted
	}
	switch spec.kind {
	case kindConstant:
		w.signed(y[0], bps)
	case kindVerbatim:
		for _, v := range y {
			w.signed(v, bps)
		}
	case kindFixed:
		if spec.order > len(y) {
			return // malformed on purpose: the decoder stops here
		}
		for _, v := range y[:spec.order] {
			w.signed(v, bps)
		}
		res := make([]int64, len(y))
		for i := spec.order; i < len(y); i++ {
			var p int64
			switch spec.order {
			case 1:
				p = y[i-1]
			case 2:
				p = 2*y[i-1] - y[i-2]
			case 3:
				p = 3*y[i-1] - 3*y[i-2] + y[i-3]
			case 4:
				p = 4*y[i-1] - 6*y[i-2] + 4*y[i-3] - y[i-4]
			}
			res[i] = y[i] - p
		}
		writeResidual(w, res, spec)
	case kindLPC:
		for _, v := range y[:spec.order] {
			w.signed(v, bps)
		}
		prec := spec.precision
		if prec == 0 {
			prec = 15
		}
		w.write(uint64(prec-1), 4)
		w.signed(int64(spec.shift), 5)
		for _, c := range spec.coefs {
			w.signed(c, prec)
		}
		res := make([]int64, len(y))
		for i := spec.order; i < len(y); i++ {
			var sum int64
			for j, c := range spec.coefs {
				sum += c * y[i-1-j]
			}
			res[i] = y[i] - sum>>uint(max(spec.shift, 0))
		}
		writeResidual(w, res, spec)
	}
}

// writeResidual codes res[order:] in 2^partOrder partitions.
func writeResidual(w *bitWriter, res []int64, spec subSpec) {
	paramBits := uint(4)
	switch {
	case spec.method > 0:
		w.write(uint64(spec.method), 2)
	case spec.rice2:
		w.write(1, 2)
		paramBits = 5
	default:
		w.write(0, 2)
	}
	w.write(uint64(spec.partOrder), 4)
	parts := 1 << spec.partOrder
	size := len(res) >> spec.partOrder
	for p := range parts {
		start, end := p*size, (p+1)*size
		if p == 0 {
			start = min(spec.order, end)
		}
		part := res[start:end]
		if p < len(spec.escape) && spec.escape[p] {
			w.write(1<<paramBits-1, paramBits)
			width := uint(0)
			for _, v := range part {
				for v < -(1<<width>>1) || v >= 1<<width>>1 || (width == 0 && v != 0) {
					width++
				}
			}
			w.write(uint64(width), 5)
			for _, v := range part {
				w.signed(v, width)
			}
			continue
		}
		k := spec.param
		if k < 0 {
			var sum uint64
			for _, v := range part {
				sum += fold(v)
			}
			k = 0
			if len(part) > 0 {
				for mean := sum / uint64(len(part)); mean > 1 && k < 1<<paramBits-2; mean >>= 1 {
					k++
				}
			}
		}
		w.write(uint64(k), paramBits)
		for _, v := range part {
			u := fold(v)
			w.unary(u >> uint(k))
			if k > 0 {
				w.write(u&(1<<uint(k)-1), uint(k))
			}
		}
	}
}

func fold(v int64) uint64 {
	if v < 0 {
		return uint64(-v)*2 - 1
	}
	return uint64(v) * 2
}
