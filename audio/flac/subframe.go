package flac

// maxLPCOrder is the highest order of a linear predictor.
const maxLPCOrder = 32

// readSubframe decodes one subframe (RFC 9639 section 9.2) of len(dst)
// samples of the given bit depth (the frame's, plus one for a side
// channel) into dst.
func (d *Decoder) readSubframe(dst []int64, bits uint) error {
	br := d.br
	h := br.read(8)
	typ := int(h >> 1 & 0x3F)
	var wasted uint
	if h&1 != 0 {
		wasted = uint(br.unary(64)) + 1
	}
	if br.err != nil {
		return br.err
	}
	switch {
	case h&0x80 != 0:
		return malformed("the first bit of a subframe header is set")
	case wasted >= bits:
		return malformed("a subframe of %d bits per sample declares %d wasted bits", bits, wasted)
	}
	bits -= wasted
	var err error
	switch {
	case typ == 0:
		v := br.readSigned(bits)
		for i := range dst {
			dst[i] = v
		}
	case typ == 1:
		for i := range dst {
			dst[i] = br.readSigned(bits)
		}
	case typ >= 8 && typ <= 12:
		err = d.readFixed(dst, typ-8, bits)
	case typ >= 32:
		err = d.readLPC(dst, typ-31, bits)
	default:
		return malformed("reserved subframe type %d", typ)
	}
	if err != nil {
		return err
	}
	if br.err != nil {
		return br.err
	}
	if wasted > 0 {
		for i := range dst {
			dst[i] <<= wasted
		}
	}
	return nil
}

// readWarmUp reads the order unencoded samples a predictor starts from.
func (d *Decoder) readWarmUp(dst []int64, order int, bits uint) error {
	if order > len(dst) {
		return malformed("a predictor of order %d in a block of %d samples", order, len(dst))
	}
	for i := range order {
		dst[i] = d.br.readSigned(bits)
	}
	return nil
}

// readFixed decodes a subframe with a fixed predictor of the given order.
func (d *Decoder) readFixed(dst []int64, order int, bits uint) error {
	if err := d.readWarmUp(dst, order, bits); err != nil {
		return err
	}
	if err := d.readResidual(dst, order); err != nil {
		return err
	}
	predictFixed(dst, order)
	return nil
}

// readLPC decodes a subframe with a linear predictor of the given order.
func (d *Decoder) readLPC(dst []int64, order int, bits uint) error {
	br := d.br
	if err := d.readWarmUp(dst, order, bits); err != nil {
		return err
	}
	precision := uint(br.read(4)) + 1
	shift := br.readSigned(5)
	if br.err != nil {
		return br.err
	}
	switch {
	case precision == 16:
		return malformed("forbidden predictor coefficient precision code 15")
	case shift < 0:
		return malformed("negative linear predictor shift %d", shift)
	}
	// Coefficients in stream order apply to the latest sample first;
	// stored reversed, coefs[j] applies to dst[i-order+j].
	coefs := d.coefs[:order]
	for j := range coefs {
		coefs[order-1-j] = br.readSigned(precision)
	}
	if err := d.readResidual(dst, order); err != nil {
		return err
	}
	predictLPC(dst, coefs, uint(shift))
	return nil
}
