package xdna

import (
	"errors"
	"fmt"
	"time"
)

// Dims are the model dimensions that size the pools.
type Dims struct {
	NMels       int // mel bins: 80, or 128 for large-v3
	NAudioCtx   int // encoder frames per 30 s window: 1500
	NAudioState int // encoder width: 384 tiny, 512 base, …
}

// SamplesPerWindow is one 30 s window of 16 kHz audio.
const SamplesPerWindow = 480000

// FramesPerWindow is the number of mel frames in one 30 s window.
const FramesPerWindow = 3000

// DefaultDims are the dimensions used when no model is configured (base).
var DefaultDims = Dims{NMels: 80, NAudioCtx: 1500, NAudioState: 512}

// PoolsConfig sizes the three pools. Counts of 0 take the default of 4.
type PoolsConfig struct {
	AudioCount   int    // AUDIO_BUFFER_POOL_SIZE
	MelCount     int    // MEL_BUFFER_POOL_SIZE
	EncoderCount int    // ENCODER_BUFFER_POOL_SIZE
	MaxCount     int    // MAX_POOL_SIZE: cap of each pool under auto growth
	Growth       Growth // none or auto
}

// Pools are the three buffer pools of one worker, in pipeline order.
type Pools struct {
	Audio         *Pool // 480,000 samples of 16 kHz audio
	Mel           *Pool // n_mels × 3000
	EncoderOutput *Pool // n_audio_ctx × n_audio_state
}

// NewPools pre-allocates the pools for a model of dimensions d.
func NewPools(d Dims, cfg PoolsConfig) (*Pools, error) {
	def := func(n int) int {
		if n == 0 {
			return 4
		}
		return n
	}
	mk := func(name string, size, count int) (*Pool, error) {
		max := cfg.MaxCount
		if max < count {
			max = count
		}
		return NewPool(PoolConfig{Name: name, Size: size, Count: def(count), MaxCount: max, Growth: cfg.Growth})
	}
	if d.NMels <= 0 || d.NAudioCtx <= 0 || d.NAudioState <= 0 {
		return nil, fmt.Errorf("xdna: model dimensions %+v must be positive", d)
	}
	a, errA := mk("audio", SamplesPerWindow, cfg.AudioCount)
	m, errM := mk("mel", d.NMels*FramesPerWindow, cfg.MelCount)
	e, errE := mk("encoder_output", d.NAudioCtx*d.NAudioState, cfg.EncoderCount)
	if err := errors.Join(errA, errM, errE); err != nil {
		return nil, err
	}
	return &Pools{Audio: a, Mel: m, EncoderOutput: e}, nil
}

// All returns the pools in pipeline order.
func (p *Pools) All() []*Pool { return []*Pool{p.Audio, p.Mel, p.EncoderOutput} }

// Sets is the number of complete buffer sets (one of each pool) the pools
// can hold at capacity: the most jobs a worker admits at once.
func (p *Pools) Sets() int {
	n := p.Audio.Capacity()
	for _, q := range p.All()[1:] {
		n = min(n, q.Capacity())
	}
	return n
}

// MaxBytes is the memory all buffers occupy at full capacity.
func (p *Pools) MaxBytes() int64 {
	var n int64
	for _, q := range p.All() {
		n += q.MaxBytes()
	}
	return n
}

// Reclaim returns whatever the ended delivery o still holds in any pool
// and reports the number of leaked buffers.
func (p *Pools) Reclaim(o *Owner) int {
	n := 0
	for _, q := range p.All() {
		n += q.Reclaim(o)
	}
	return n
}

// Trim frees, in every pool, buffers beyond the initial count that have been
// idle for at least idle (see Pool.Trim), and reports how many.
func (p *Pools) Trim(idle time.Duration) int {
	n := 0
	for _, q := range p.All() {
		n += q.Trim(idle)
	}
	return n
}

// Close closes every pool.
func (p *Pools) Close() {
	for _, q := range p.All() {
		q.Close()
	}
}
