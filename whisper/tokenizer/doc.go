// Package tokenizer is Whisper's byte-level BPE tokenizer, built from the
// vocabulary stored in a whisper.cpp ggml model file.
//
// The ggml file stores only the ordinary text tokens (token id = position).
// The special tokens — <|endoftext|>, <|startoftranscript|>, the language
// tokens, <|translate|>, <|transcribe|>, <|startoflm|>, <|startofprev|>,
// <|nospeech|>, <|notimestamps|> and the 1501 timestamps <|0.00|>…<|30.00|> —
// are not stored; their ids follow from n_vocab exactly as whisper.cpp's
// whisper_model_load derives them (and as OpenAI's tokenizer.py assigns them).
//
// A Tokenizer is immutable after New and safe for concurrent use.
package tokenizer
