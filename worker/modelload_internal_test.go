package worker

import (
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/xdna"
)

// modelLoaded exports the load time and the RSS after load as gauges.
func TestModelLoadedGauges(t *testing.T) {
	pools, err := xdna.NewPools(xdna.DefaultDims, xdna.PoolsConfig{AudioCount: 1, MelCount: 1, EncoderCount: 1})
	if err != nil {
		t.Fatal(err)
	}
	m := newMetrics(pools)
	m.modelLoaded(1500*time.Millisecond, 200<<20)
	mfs, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"xdna_model_load_seconds": 1.5, "xdna_model_rss_bytes": 200 << 20}
	for _, mf := range mfs {
		if w, ok := want[mf.GetName()]; ok {
			if v := mf.GetMetric()[0].GetGauge().GetValue(); v != w {
				t.Errorf("%s = %v, want %v", mf.GetName(), v, w)
			}
			delete(want, mf.GetName())
		}
	}
	if len(want) != 0 {
		t.Errorf("not exported: %v", want)
	}
}
