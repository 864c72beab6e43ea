#!/usr/bin/env bash
# Makes the Vorbis test files from ../../testdata/source.wav (run
# ../../testdata/source.sh first if it is missing) with Debian's sox and
# oggenc (vorbis-tools 1.4, libvorbis 1.3.7), and writes next to each F the
# reference decode of ffmpeg's native Vorbis decoder (forced with -c:a vorbis;
# libvorbis is the other one):
#   F.s16le.gz  interleaved 16-bit samples, ffmpeg's channel order
# Every file stays under 100 KB: short clips, low rates.
#
# The synthetic streams synth-*.ogg (features no encoder writes: floor 0,
# residue 0, explicit codebooks, submaps, ...; see ../synth_test.go) are
# written by the package's test and decoded by ffmpeg's native decoder
# (synth-ffmpeg.ogg) and by libvorbis, the specification's reference decoder,
# through ffmpeg -c:a libvorbis (synth-libvorbis.ogg, whose explicit
# codebooks the native decoder does not read).
set -euo pipefail
cd "$(dirname "$0")"
src=../../testdata/source.wav
[ -f "$src" ] || ../../testdata/source.sh
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C

ref() { ffmpeg -v error -c:a vorbis -i "$1" -f s16le -c:a pcm_s16le - | gzip -9n > "$1.s16le.gz"; }

# Clips (sox: trim first, then rate and channels).
sox -D "$src" -b 16 "$tmp/st44.wav" trim 0.3 0.6 rate -v 44100
sox -D "$src" -b 16 "$tmp/st48.wav" trim 0.9 0.5
sox -D "$src" -b 16 "$tmp/m16.wav" remix 1,2 rate -v 16000
sox -D "$src" -b 16 "$tmp/m8.wav" remix 1,2 rate -v 8000
# 5.1 in WAV order (FL FR FC LFE BL BR), each channel a different signal.
sox -D "$src" "$tmp/l.wav" trim 0.2 0.35 remix 1 rate -v 24000
sox -D "$src" "$tmp/r.wav" trim 0.2 0.35 remix 2 rate -v 24000
sox -D "$src" "$tmp/c.wav" trim 0.2 0.35 remix 1v0.5,2v0.5 rate -v 24000
sox -D "$tmp/l.wav" "$tmp/lfe.wav" lowpass 120 gain 3
sox -D "$tmp/l.wav" "$tmp/bl.wav" pad 0.004 highpass 500 trim 0 0.35
sox -D "$tmp/r.wav" "$tmp/br.wav" reverse gain -4
sox -D -M "$tmp/l.wav" "$tmp/r.wav" "$tmp/c.wav" "$tmp/lfe.wav" "$tmp/bl.wav" "$tmp/br.wav" -b 16 "$tmp/s51.wav"
# Stereo with gaps: silence, speech on the left only (the right channel's
# floor is then unused while the left one's is not), silence, both.
sox -D -n -r 22050 -b 16 -c 2 "$tmp/sil.wav" trim 0 0.2
sox -D "$src" -b 16 "$tmp/sp.wav" trim 0.3 0.4 rate -v 22050
sox -D "$tmp/sp.wav" "$tmp/spl.wav" remix 1 0
sox -D "$tmp/sil.wav" "$tmp/spl.wav" "$tmp/sil.wav" "$tmp/sp.wav" "$tmp/gaps.wav"

# Encodes: oggenc's quality scale from -1 to 10, fixed serial numbers.
oggenc -Q -q 5 -s 101 -o q5-44k-stereo.ogg "$tmp/st44.wav"
oggenc -Q -q 0 -s 102 -o q0-16k-mono.ogg "$tmp/m16.wav"
oggenc -Q -q -1 -s 103 -o qm1-8k-mono.ogg "$tmp/m8.wav"
oggenc -Q -q 8 -s 104 -o q8-48k-stereo.ogg "$tmp/st48.wav"
oggenc -Q -q 3 -s 105 -o q3-24k-5.1.ogg "$tmp/s51.wav"
oggenc -Q -q 4 -s 106 -o q4-22k-stereo-gaps.ogg "$tmp/gaps.wav"

for f in q*.ogg; do ref "$f"; done

(cd .. && go test -count=1 -run '^TestWriteSynthetic$' -synth . >/dev/null)
ref synth-ffmpeg.ogg
ffmpeg -v error -c:a libvorbis -i synth-libvorbis.ogg -f s16le -c:a pcm_s16le - | gzip -9n > synth-libvorbis.ogg.s16le.gz
ls -l
