package worker

import (
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/xdna"
)

// modelLoaded exports the load time and the RSS after load as gauges
// labelled by model name, one series per model.
func TestModelLoadedGauges(t *testing.T) {
	pools, err := xdna.NewPools(xdna.DefaultDims, xdna.PoolsConfig{AudioCount: 1, MelCount: 1, EncoderCount: 1})
	if err != nil {
		t.Fatal(err)
	}
	m := newMetrics(pools)
	m.modelLoaded("small", 1500*time.Millisecond, 200<<20)
	m.modelLoaded("large", 2500*time.Millisecond, 300<<20)
	mfs, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{
		"xdna_model_load_seconds/small": 1.5, "xdna_model_rss_bytes/small": 200 << 20,
		"xdna_model_load_seconds/large": 2.5, "xdna_model_rss_bytes/large": 300 << 20,
	}
	for _, mf := range mfs {
		for _, mt := range mf.GetMetric() {
			if len(mt.GetLabel()) != 1 || mt.GetLabel()[0].GetName() != "model" {
				continue
			}
			key := mf.GetName() + "/" + mt.GetLabel()[0].GetValue()
			if w, ok := want[key]; ok {
				if v := mt.GetGauge().GetValue(); v != w {
					t.Errorf("%s = %v, want %v", key, v, w)
				}
				delete(want, key)
			}
		}
	}
	if len(want) != 0 {
		t.Errorf("not exported: %v", want)
	}
}
