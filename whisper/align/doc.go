// Package align computes word-level timestamps from the cross-attention of a
// Whisper decoder's alignment heads, the way whisper.cpp
// (whisper_exp_compute_token_level_timestamps_dtw, src/whisper.cpp at commit
// 233fe1fc9b48) and OpenAI's whisper (whisper/timing.py, find_alignment and
// add_word_timestamps) do it:
//
//  1. Heads picks the alignment heads: whisper.cpp's presets (g_aheads) for
//     the known model sizes, all heads of the top-most text layers otherwise.
//  2. Align takes the softmaxed cross-attention of those heads for the
//     forced sequence sot [lang] no_timestamps text... eot, keeps the frames
//     of the audio, standardises each head along the token axis, median
//     filters (width 7, reflect padding) along frames, averages the heads,
//     runs dynamic time warping on the negated matrix and backtraces it.
//  3. Alignment.TokenTimes gives whisper.cpp's t_dtw per text token;
//     Alignment.Spans gives OpenAI's per-token start/end.
//  4. Words splits tokens into words (on spaces, or on Unicode boundaries for
//     zh, ja, th, lo, my and yue), timestamps them, and MergePunctuations
//     attaches leading and trailing punctuation.
//
// Everything is pure computation on caller-provided slices; sizes are bounded
// (MaxTokens, MaxFrames, MaxHeads) and an Aligner reuses its scratch memory.
package align
