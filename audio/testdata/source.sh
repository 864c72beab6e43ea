#!/usr/bin/env bash
# Makes the one source every audio test file is encoded from:
#   source.wav: 2.0 s, 48 kHz, stereo, 24-bit PCM. Left is speech from
#   espeak-ng; right is the same speech 3 dB down and 7 ms late, plus a quiet
#   100 Hz–12 kHz sweep, so the channels differ and the whole band carries
#   signal.
# Needs Debian's espeak-ng and sox. Each codec's testdata/make.sh encodes this
# file with Debian's encoders and decodes the result with ffmpeg to make the
# reference. Run `make audio-fixtures` (all of them) from the repository root.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
espeak-ng -v en-us -s 165 -w "$tmp/speech.wav" \
  "Every format they store, transcribed: seven quick zebras jump over forty lazy dogs."
sox -R "$tmp/speech.wav" -r 48000 -b 24 "$tmp/l.wav" rate -v 48000 trim 0 2.0 pad 0 2.0 trim 0 2.0 norm -3
sox -R "$tmp/l.wav" "$tmp/r0.wav" vol 0.7079 pad 0.007 trim 0 2.0
sox -R -n -r 48000 -b 24 -c 1 "$tmp/sweep.wav" synth 2.0 sine 100-12000 vol 0.05
sox -R -m "$tmp/r0.wav" "$tmp/sweep.wav" "$tmp/r.wav"
sox -R -M "$tmp/l.wav" "$tmp/r.wav" -b 24 source.wav
sox -R --i source.wav
