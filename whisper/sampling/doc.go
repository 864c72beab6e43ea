// Package sampling holds the per-step decoding rules of OpenAI's Whisper
// (whisper/decoding.py and transcribe.py), applied to one row of decoder
// logits (length n_vocab): the logit filters SuppressBlank, SuppressTokens
// and ApplyTimestampRules (apply them in that order, as DecodingTask does),
// token selection (Greedy, Sample), language detection, and the
// window-level fallback and silence rules.
//
// The per-step functions modify the row in place and allocate nothing.
package sampling
