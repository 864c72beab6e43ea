package sampling

import (
	"testing"
)

func TestApplyTimestampRules(t *testing.T) {
	tok := synthTokenizer(t, 51864)
	n, eot, beg, not := tok.NVocab(), tok.EOT(), tok.TimestampBegin(), tok.NoTimestamps()
	if eot != 50256 || beg != 50363 || not != 50362 || n != 51864 {
		t.Fatalf("layout eot %d beg %d not %d n %d", eot, beg, not, n)
	}

	t.Run("initial timestamp forced and capped", func(t *testing.T) {
		l := row(n, 0)
		ApplyTimestampRules(l, tok, nil, 50)
		checkRange(t, "text+specials", l, 0, beg, true)
		checkRange(t, "<|0.00|>…<|1.00|>", l, beg, beg+51, false)
		checkRange(t, "after <|1.00|>", l, beg+51, n, true)
	})
	t.Run("initial timestamp uncapped", func(t *testing.T) {
		l := row(n, 0)
		ApplyTimestampRules(l, tok, []int{}, -1)
		checkRange(t, "text+specials", l, 0, beg, true)
		checkRange(t, "timestamps", l, beg, n, false)
	})
	t.Run("lone first timestamp must be followed by text", func(t *testing.T) {
		l := row(n, 0)
		ApplyTimestampRules(l, tok, []int{beg + 5}, 50)
		checkRange(t, "text", l, 0, beg, false, not)
		checkRange(t, "timestamps", l, beg, n, true)
		if !isNegInf(l[not]) {
			t.Error("<|notimestamps|> allowed")
		}
	})
	t.Run("pair of timestamps must be followed by text", func(t *testing.T) {
		l := row(n, 0)
		ApplyTimestampRules(l, tok, []int{beg, 100, beg + 30, beg + 30}, 50)
		checkRange(t, "text", l, 0, beg, false, not)
		checkRange(t, "timestamps", l, beg, n, true)
	})
	t.Run("closing timestamp: next is a timestamp or EOT, not earlier", func(t *testing.T) {
		l := row(n, 0)
		l[eot] = 100 // keep the timestamp-mass rule out of the way
		ApplyTimestampRules(l, tok, []int{beg + 5, 100, beg + 40}, 50)
		checkRange(t, "text", l, 0, eot, true)
		checkRange(t, "eot…specials", l, eot, beg, false, not)
		checkRange(t, "timestamps before <|0.80|>", l, beg, beg+40, true)
		checkRange(t, "timestamps from <|0.80|>", l, beg+40, n, false)
	})
	t.Run("after text timestamps must increase strictly", func(t *testing.T) {
		l := row(n, 0)
		l[100] = 100 // keep the timestamp-mass rule out of the way
		ApplyTimestampRules(l, tok, []int{beg + 5, 100, 200}, 50)
		checkRange(t, "text", l, 0, beg, false, not)
		checkRange(t, "timestamps ≤ <|0.10|>", l, beg, beg+6, true)
		checkRange(t, "timestamps > <|0.10|>", l, beg+6, n, false)
	})
	t.Run("timestamp mass beats the best text token", func(t *testing.T) {
		// 1495 allowed timestamps at logit 0: logsumexp = ln 1495 ≈ 7.31.
		l := row(n, 0)
		l[100] = 7.2
		ApplyTimestampRules(l, tok, []int{beg + 5, 100}, 50)
		checkRange(t, "text", l, 0, beg, true)
		checkRange(t, "timestamps > <|0.10|>", l, beg+6, n, false)
	})
	t.Run("best text token beats the timestamp mass", func(t *testing.T) {
		l := row(n, 0)
		l[100] = 7.4
		ApplyTimestampRules(l, tok, []int{beg + 5, 100}, 50)
		checkRange(t, "text", l, 0, beg, false, not)
		checkRange(t, "timestamps > <|0.10|>", l, beg+6, n, false)
	})
}

func TestSuppress(t *testing.T) {
	tok := synthTokenizer(t, 51864)
	n := tok.NVocab()
	l := row(n, 1)
	SuppressBlank(l, tok)
	if !isNegInf(l[220]) || !isNegInf(l[tok.EOT()]) {
		t.Errorf("SuppressBlank left ' ' (%v) or EOT (%v)", l[220], l[tok.EOT()])
	}
	checkRange(t, "SuppressBlank others", l, 0, n, false, 220, tok.EOT())

	l = row(n, 1)
	SuppressTokens(l, []int{-5, 3, 50361, n, n + 10})
	checkRange(t, "SuppressTokens others", l, 0, n, false, 3, 50361)
	if !isNegInf(l[3]) || !isNegInf(l[50361]) {
		t.Error("SuppressTokens missed an id")
	}
}
