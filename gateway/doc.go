// Package gateway is the fleet's OpenAI-compatible HTTP front door: it
// accepts POST /v1/audio/transcriptions and /v1/audio/translations as
// OpenAI documents them, streams the uploaded file into S3, publishes a job
// on JetStream, waits for its result and answers in the response format
// asked for (json, text, srt, vtt, verbose_json, or server-sent events with
// stream=true). GET /v1/models lists the configured model names.
//
// Optional API keys (Authorization: Bearer) name a tenant and bound the
// requests in flight per key. Every failure is answered with OpenAI's error
// body, so that OpenAI's SDKs report it as they would OpenAI's own.
package gateway
