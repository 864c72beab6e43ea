// Package transcript renders a succeeded result as the documents people
// read: txt, srt, vtt, tsv, the result as JSON, and OpenAI's verbose_json.
// It is pure formatting, shared by the worker's output files and the
// OpenAI-compatible gateway.
package transcript
