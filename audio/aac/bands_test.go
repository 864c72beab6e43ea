package aac

import "testing"

// TestBandTables checks the scale factor band tables against the limits
// the decoder sizes its arrays by.
func TestBandTables(t *testing.T) {
	for i, bt := range bandTablesByIndex {
		for _, tab := range []struct {
			swb      []uint16
			end, max int
			tns      int
		}{{bt.long, 1024, maxBandsLong, bt.tnsLong}, {bt.short, 128, maxBandsShort, bt.tnsShort}} {
			n := len(tab.swb) - 1
			if tab.swb[0] != 0 || int(tab.swb[n]) != tab.end || n > tab.max || n > 16 && tab.end == 128 || tab.tns > n {
				t.Errorf("index %d: %d bands ending at %d, TNS limit %d", i, n, tab.swb[n], tab.tns)
			}
			for b := range n {
				w := int(tab.swb[b+1]) - int(tab.swb[b])
				if w <= 0 || w%4 != 0 || w > maxBandWidth {
					t.Errorf("index %d: band %d is %d lines wide", i, b, w)
				}
			}
		}
	}
}
