// Package ffmpeg decodes audio with an external ffmpeg program, for the
// formats the pure-Go decoders of xdna-worker do not handle (HE-AAC, AMR,
// WMA, AIFF, ...).
//
// ffmpeg runs as a sandboxed child of the job: it reads the input from its
// standard input (the job's spooled file), may open no protocol other than
// that file and no demuxer outside a list of audio containers (so a playlist
// or concat file cannot make it read other files or reach the network),
// runs single-threaded with an empty environment, and writes 16 kHz mono
// float32 to its standard output. It is killed when its job's context ends,
// when its wall-clock limit passes, or when it writes more than the duration
// limit allows. Its standard error, cut to a bounded size, becomes the
// message of a failed decode.
package ffmpeg
