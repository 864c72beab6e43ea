package flac

// predictFixed turns the residual in s[order:] into samples with the fixed
// predictor of the given order (RFC 9639 section 9.2.5), in place.
func predictFixed(s []int64, order int) {
	switch order {
	case 1:
		for i := 1; i < len(s); i++ {
			s[i] += s[i-1]
		}
	case 2:
		for i := 2; i < len(s); i++ {
			s[i] += 2*s[i-1] - s[i-2]
		}
	case 3:
		for i := 3; i < len(s); i++ {
			s[i] += 3*(s[i-1]-s[i-2]) + s[i-3]
		}
	case 4:
		for i := 4; i < len(s); i++ {
			s[i] += 4*(s[i-1]+s[i-3]) - 6*s[i-2] - s[i-4]
		}
	}
}

// predictLPC turns the residual in s[len(coefs):] into samples with a
// linear predictor (RFC 9639 section 9.2.6), in place. coefs[j] weighs the
// sample len(coefs)-j before the predicted one; the weighted sum is shifted
// right by shift. Orders up to 12 (the streamable subset's limit at 48 kHz
// and below, so nearly all streams) have unrolled loops.
func predictLPC(s []int64, coefs []int64, shift uint) {
	switch len(coefs) {
	case 1:
		c := coefs[:1]
		for i := 1; i < len(s); i++ {
			h := s[i-1 : i]
			s[i] += (c[0] * h[0]) >> shift
		}
	case 2:
		c := coefs[:2]
		for i := 2; i < len(s); i++ {
			h := s[i-2 : i]
			s[i] += (c[0]*h[0] + c[1]*h[1]) >> shift
		}
	case 3:
		c := coefs[:3]
		for i := 3; i < len(s); i++ {
			h := s[i-3 : i]
			s[i] += (c[0]*h[0] + c[1]*h[1] + c[2]*h[2]) >> shift
		}
	case 4:
		c := coefs[:4]
		for i := 4; i < len(s); i++ {
			h := s[i-4 : i]
			s[i] += (c[0]*h[0] + c[1]*h[1] + c[2]*h[2] + c[3]*h[3]) >> shift
		}
	case 5:
		c := coefs[:5]
		for i := 5; i < len(s); i++ {
			h := s[i-5 : i]
			s[i] += (c[0]*h[0] + c[1]*h[1] + c[2]*h[2] + c[3]*h[3] + c[4]*h[4]) >> shift
		}
	case 6:
		c := coefs[:6]
		for i := 6; i < len(s); i++ {
			h := s[i-6 : i]
			s[i] += (c[0]*h[0] + c[1]*h[1] + c[2]*h[2] + c[3]*h[3] + c[4]*h[4] + c[5]*h[5]) >> shift
		}
	case 7:
		c := coefs[:7]
		for i := 7; i < len(s); i++ {
			h := s[i-7 : i]
			s[i] += (c[0]*h[0] + c[1]*h[1] + c[2]*h[2] + c[3]*h[3] + c[4]*h[4] + c[5]*h[5] + c[6]*h[6]) >> shift
		}
	case 8:
		c := coefs[:8]
		for i := 8; i < len(s); i++ {
			h := s[i-8 : i]
			s[i] += (c[0]*h[0] + c[1]*h[1] + c[2]*h[2] + c[3]*h[3] + c[4]*h[4] + c[5]*h[5] + c[6]*h[6] + c[7]*h[7]) >> shift
		}
	case 9:
		c := coefs[:9]
		for i := 9; i < len(s); i++ {
			h := s[i-9 : i]
			s[i] += (c[0]*h[0] + c[1]*h[1] + c[2]*h[2] + c[3]*h[3] + c[4]*h[4] + c[5]*h[5] + c[6]*h[6] + c[7]*h[7] + c[8]*h[8]) >> shift
		}
	case 10:
		c := coefs[:10]
		for i := 10; i < len(s); i++ {
			h := s[i-10 : i]
			s[i] += (c[0]*h[0] + c[1]*h[1] + c[2]*h[2] + c[3]*h[3] + c[4]*h[4] + c[5]*h[5] + c[6]*h[6] + c[7]*h[7] + c[8]*h[8] + c[9]*h[9]) >> shift
		}
	case 11:
		c := coefs[:11]
		for i := 11; i < len(s); i++ {
			h := s[i-11 : i]
			s[i] += (c[0]*h[0] + c[1]*h[1] + c[2]*h[2] + c[3]*h[3] + c[4]*h[4] + c[5]*h[5] + c[6]*h[6] + c[7]*h[7] + c[8]*h[8] + c[9]*h[9] + c[10]*h[10]) >> shift
		}
	case 12:
		c := coefs[:12]
		for i := 12; i < len(s); i++ {
			h := s[i-12 : i]
			s[i] += (c[0]*h[0] + c[1]*h[1] + c[2]*h[2] + c[3]*h[3] + c[4]*h[4] + c[5]*h[5] + c[6]*h[6] + c[7]*h[7] + c[8]*h[8] + c[9]*h[9] + c[10]*h[10] + c[11]*h[11]) >> shift
		}
	default:
		predictLPCAny(s, coefs, shift)
	}
}

// predictLPCAny is predictLPC for any order.
func predictLPCAny(s []int64, coefs []int64, shift uint) {
	order := len(coefs)
	for i := order; i < len(s); i++ {
		h := s[i-order : i]
		h = h[:len(coefs)]
		var sum int64
		for j, c := range coefs {
			sum += c * h[j]
		}
		s[i] += sum >> shift
	}
}
