#!/usr/bin/env bash
# Makes the Ogg container test files from ../../testdata/source.wav (run
# ../../testdata/source.sh first if it is missing) with Debian's sox, oggenc,
# flac and ffmpeg, and writes next to each audio file F the reference decode
# of ffmpeg's native Vorbis decoder (forced with -c:a vorbis):
#   F.s16le.gz  interleaved 16-bit samples
# The codec itself is tested by ../../vorbis/testdata; these files test the
# container: chains, other streams, big headers, other codecs.
set -euo pipefail
cd "$(dirname "$0")"
src=../../testdata/source.wav
[ -f "$src" ] || ../../testdata/source.sh
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C

ref() { ffmpeg -v error -c:a vorbis -i "$1" -f s16le -c:a pcm_s16le - | gzip -9n > "$1.s16le.gz"; }

sox -D "$src" -b 16 "$tmp/a.wav" trim 0.2 0.7 remix 1,2 rate -v 22050
sox -D "$src" -b 16 "$tmp/b.wav" trim 1.0 0.8 remix 2 rate -v 22050
sox -D "$src" -b 16 "$tmp/c.wav" trim 0.5 0.6 remix 1 rate -v 11025

# chained.ogg: two links of the same rate and channels, encoded at different
# qualities (so their setup headers differ), one after the other. (ffmpeg
# complains of a non-monotonic dts where the second link starts: expected.)
oggenc -Q -q 2 -s 201 -o "$tmp/l1.ogg" "$tmp/a.wav"
oggenc -Q -q 6 -s 202 -o "$tmp/l2.ogg" "$tmp/b.wav"
cat "$tmp/l1.ogg" "$tmp/l2.ogg" > chained.ogg

# rate-change.ogg: a chain whose second link has another sample rate.
oggenc -Q -q 0 -s 203 -o "$tmp/l3.ogg" "$tmp/c.wav"
cat "$tmp/l1.ogg" "$tmp/l3.ogg" > rate-change.ogg

# with-video.ogg: a Theora stream first (a tiny, 2 fps picture), then the
# Vorbis stream of l1, muxed by ffmpeg.
ffmpeg -y -v error -f lavfi -i "testsrc=size=32x24:rate=2:duration=0.7" -i "$tmp/l1.ogg" \
  -map 0:v -map 1:a -c:v libtheora -q:v 1 -c:a copy -fflags +bitexact -flags:v +bitexact \
  -serial_offset 300 -f ogg with-video.ogg

# big-comment.ogg: a 60 000-byte comment header that spans several pages.
big=$(head -c 45000 /dev/zero | tr '\0' 'x' | fold -w 100 | tr '\n' ' ')
oggenc -Q -q 1 -s 204 -c "DESCRIPTION=$big" -c "TITLE=big comment" -o big-comment.ogg "$tmp/c.wav"

# one-page.ogg: all the audio on one page, the last: ffmpeg counts the
# first packet's duration there, so it trims 256 samples more than the
# granule position says (see vorbisClock).
sox -D "$src" -b 16 "$tmp/d.wav" trim 0.4 0.32 remix 1,2 rate -v 8000
oggenc -Q -q 0 -s 206 -o one-page.ogg "$tmp/d.wav"

# flac.oga: FLAC in Ogg, which the package does not decode.
sox -D "$tmp/c.wav" "$tmp/short.wav" trim 0 0.1
flac -f -s --ogg --serial-number=205 -o flac.oga "$tmp/short.wav"

for f in chained.ogg with-video.ogg big-comment.ogg one-page.ogg; do ref "$f"; done
ls -l
