package sampling

// MT19937 is the 32-bit Mersenne Twister exactly as C++'s std::mt19937,
// the generator whisper.cpp gives each decoder (std::mt19937(decoder index))
// for its sampled beam candidates and its samples at temperature > 0. The
// zero value is not ready: use NewMT19937.
type MT19937 struct {
	mt  [mtN]uint32
	idx int
}

const (
	mtN = 624
	mtM = 397
)

// NewMT19937 returns the generator std::mt19937(seed) constructs.
func NewMT19937(seed uint32) *MT19937 {
	g := &MT19937{}
	g.Seed(seed)
	return g
}

// Seed resets the generator to std::mt19937(seed)'s state.
func (g *MT19937) Seed(seed uint32) {
	g.mt[0] = seed
	for i := 1; i < mtN; i++ {
		p := g.mt[i-1]
		g.mt[i] = 1812433253*(p^p>>30) + uint32(i)
	}
	g.idx = mtN
}

// Uint32 returns the next output, operator() of std::mt19937.
func (g *MT19937) Uint32() uint32 {
	if g.idx >= mtN {
		g.twist()
	}
	y := g.mt[g.idx]
	g.idx++
	y ^= y >> 11
	y ^= y << 7 & 0x9d2c5680
	y ^= y << 15 & 0xefc60000
	y ^= y >> 18
	return y
}

func (g *MT19937) twist() {
	const upper, lower, matrix = 0x80000000, 0x7fffffff, 0x9908b0df
	for i := range mtN {
		y := g.mt[i]&upper | g.mt[(i+1)%mtN]&lower
		v := g.mt[(i+mtM)%mtN] ^ y>>1
		if y&1 != 0 {
			v ^= matrix
		}
		g.mt[i] = v
	}
	g.idx = 0
}

// Canonical is std::generate_canonical<double, 53>(g) as libstdc++ (GCC 12,
// the compiler of the reference whisper.cpp builds) computes it: two draws,
// (u₁ + u₂·2³²)/2⁶⁴ in double arithmetic, and the largest double below 1 if
// that rounds to 1.
func (g *MT19937) Canonical() float64 {
	const r = 1 << 32
	sum := float64(g.Uint32())
	sum += float64(g.Uint32()) * r
	ret := sum / (r * r)
	if ret >= 1 {
		ret = 0x1.fffffffffffffp-1
	}
	return ret
}
