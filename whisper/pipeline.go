package whisper

import (
	"github.com/xdna-worker/xdna-worker/pipeline"
	"github.com/xdna-worker/xdna-worker/xdna"
)

// Transcriber returns the full CPU pipeline for this model over pools: the
// model's mel filters, its encoder as the device, and its text decoder.
func (m *Model) Transcriber(pools *xdna.Pools, opts Options, popts ...pipeline.Option) (*pipeline.Transcriber, error) {
	mel, err := pipeline.NewMel(m.Filters, m.H.NMels)
	if err != nil {
		return nil, err
	}
	popts = append([]pipeline.Option{pipeline.WithTextDecoder(m.NewTextDecoder(opts))}, popts...)
	return pipeline.NewTranscriber(pools, m.NewEncoder(), mel, popts...), nil
}
