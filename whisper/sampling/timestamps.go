package sampling

import "github.com/xdna-worker/xdna-worker/whisper/tokenizer"

// DefaultMaxInitialTimestampIndex caps the first timestamp of a window at
// <|1.00|> (50 steps of 0.02 s), OpenAI's transcribe default
// max_initial_timestamp=1.0.
const DefaultMaxInitialTimestampIndex = 50

// ApplyTimestampRules is OpenAI's ApplyTimestampRules filter. tokens are the
// tokens sampled so far in this window, after the prompt and SOT sequence.
// It:
//   - forbids <|notimestamps|>;
//   - makes timestamps come in pairs: after two timestamps (or one at the
//     very start) the next token must be text, after text+timestamp it must
//     be a timestamp or EOT;
//   - keeps timestamps from decreasing: no timestamp below the last one, and
//     none equal to it unless it closes a segment (so segments have nonzero
//     length);
//   - at the window's start forces a timestamp, at most
//     maxInitialTimestampIndex steps in (negative: no cap — OpenAI's
//     max_initial_timestamp of None or 0);
//   - forbids all text when the timestamps' total probability exceeds that
//     of the likeliest text token.
//
// The last comparison uses float64 (OpenAI: float32 log-softmax); only
// near-exact ties can come out differently.
func ApplyTimestampRules(logits []float32, tok *tokenizer.Tokenizer, tokens []int, maxInitialTimestampIndex int) {
	beg := min(tok.TimestampBegin(), len(logits))
	eot := min(tok.EOT(), len(logits))
	suppress(logits, tok.NoTimestamps())

	n := len(tokens)
	lastWasTimestamp := n >= 1 && tokens[n-1] >= beg
	penultimateWasTimestamp := n < 2 || tokens[n-2] >= beg
	if lastWasTimestamp {
		if penultimateWasTimestamp {
			fill(logits[beg:]) // has to be non-timestamp
		} else {
			fill(logits[:eot]) // cannot be normal text tokens
		}
	}

	for i := n - 1; i >= 0; i-- {
		if tokens[i] < beg {
			continue
		}
		// Timestamps must not decrease; after a segment-closing timestamp
		// the next may repeat it, otherwise it must be strictly later.
		last := tokens[i]
		if !lastWasTimestamp || penultimateWasTimestamp {
			last++
		}
		fill(logits[beg:min(max(last, beg), len(logits))])
		break
	}

	if n == 0 {
		fill(logits[:beg]) // a window starts with a timestamp
		if maxInitialTimestampIndex >= 0 {
			if lastAllowed := beg + maxInitialTimestampIndex; lastAllowed+1 < len(logits) {
				fill(logits[lastAllowed+1:])
			}
		}
	}

	// If the timestamps together are likelier than any single text token,
	// sample a timestamp. Both sides of OpenAI's log-softmax comparison
	// share the normaliser, so compare logsumexp(timestamps) with
	// max(text) directly.
	if logSumExp(logits[beg:]) > maxLogit(logits[:beg]) {
		fill(logits[:beg])
	}
}
