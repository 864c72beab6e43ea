#!/usr/bin/env bash
# Decode speed of the built-in decoders next to ffmpeg 5.1 on the same files,
# in one run: for each format, a 10-minute file is encoded from the fixtures'
# source (audio/testdata/source.wav, repeated) with Debian's encoders, then
# decoded by `xdnactl decode` (the worker's decoder, at the file's own rate and
# channels, best of N) and by `ffmpeg -threads 1 -i F -f null -` (best of N,
# process start-up included, about 70 ms). Prints a Markdown table.
# Needs: make build, sox, flac, lame, vorbis-tools, opus-tools, ffmpeg.
#   scripts/decode-bench.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-5}
[ -f audio/testdata/source.wav ] || audio/testdata/source.sh >/dev/null
[ -x bin/xdnactl ] || make build >/dev/null
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
sox -R audio/testdata/source.wav "$tmp/src48.wav" repeat 299            # 600 s, 48 kHz stereo 24-bit
sox -R "$tmp/src48.wav" -r 44100 -b 16 "$tmp/st44.wav"
sox -R "$tmp/src48.wav" -r 16000 -b 16 -c 1 "$tmp/mono16.wav" remix 1
ff() { ffmpeg -v error -y "$@"; }
cp "$tmp/st44.wav" "$tmp/wav-44k-stereo.wav"
flac --silent -5 -o "$tmp/flac-44k-stereo.flac" "$tmp/st44.wav"
lame --quiet -b 128 "$tmp/st44.wav" "$tmp/mp3-44k-stereo-128k.mp3"
lame --quiet -b 32 "$tmp/mono16.wav" "$tmp/mp3-16k-mono-32k.mp3"
oggenc --quiet -q 5 -o "$tmp/vorbis-44k-stereo-q5.ogg" "$tmp/st44.wav"
opusenc --quiet --bitrate 64 "$tmp/src48.wav" "$tmp/opus-48k-stereo-64k.opus"
opusenc --quiet --bitrate 16 "$tmp/mono16.wav" "$tmp/opus-16k-mono-16k.opus"
ff -i "$tmp/opus-48k-stereo-64k.opus" -c copy "$tmp/webm-opus-stereo-64k.webm"
ff -i "$tmp/st44.wav" -c:a aac -b:a 128k "$tmp/m4a-aac-44k-stereo-128k.m4a"
ff -i "$tmp/mono16.wav" -c:a aac -b:a 32k "$tmp/m4a-aac-16k-mono-32k.m4a"
best() { # best wall time in seconds of N runs of a command
  local b=999
  for _ in $(seq "$n"); do
    s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
    b=$(awk -v s="$s" -v e="$e" -v b="$b" 'BEGIN { d = e - s; print (d < b) ? d : b }')
  done
  echo "$b"
}
echo "| file (600 s) | xdnactl decode | ffmpeg -threads 1 | ratio (ffmpeg time / ours) |"
echo "|---|---|---|---|"
for f in "$tmp"/wav-* "$tmp"/flac-* "$tmp"/mp3-* "$tmp"/vorbis-* "$tmp"/opus-* "$tmp"/webm-* "$tmp"/m4a-*; do
  ours=$(FFMPEG_PATH=none bin/xdnactl decode --repeat "$n" "$f" | awk -F': ' '/"decode_ms"/ {gsub(",","",$2); print $2/1000}')
  theirs=$(best ffmpeg -v error -threads 1 -i "$f" -f null -)
  awk -v f="$(basename "$f")" -v o="$ours" -v t="$theirs" \
    'BEGIN { printf "| %s | %.3f s (%.0f× real time) | %.3f s (%.0f×) | %.2f |\n", f, o, 600 / o, t, 600 / t, t / o }'
done
