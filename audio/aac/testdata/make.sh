#!/usr/bin/env bash
# Makes the AAC test files from the shared source (../../testdata/source.wav,
# made by ../../testdata/source.sh) with ffmpeg's native AAC encoder
# (Debian 12, ffmpeg 5.1), and next to each F its reference decode by
# ffmpeg's native floating-point decoder (forced with -c:a aac, not
# aac_fixed):
#   F.s16le.gz = ffmpeg -c:a aac -i F -f s16le -c:a pcm_s16le - | gzip -9n
# sox cuts, resamples and remixes the source first (24-bit, no dither).
# Clips are short so that every file stays under 100 KB.
set -euo pipefail
cd "$(dirname "$0")"
src=../../testdata/source.wav
[ -f "$src" ] || { echo "run ../../testdata/source.sh first" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# prep OUT RATE START SECONDS SOX-REMIX...: a clip of the source.
prep() {
	local out=$1 rate=$2 start=$3 len=$4; shift 4
	sox -D "$src" -b 24 "$tmp/$out.wav" trim "$start" "$len" remix "$@" rate -v "$rate"
}
# enc WAV OUT FFMPEG-OPTIONS...: encode to ADTS and write the reference.
enc() {
	local in=$1 out=$2; shift 2
	ffmpeg -v error -y -i "$tmp/$in.wav" -c:a aac "$@" -f adts "$out"
	ffmpeg -v error -c:a aac -i "$out" -f s16le -c:a pcm_s16le - | gzip -9n > "$out.s16le.gz"
}

prep mono16k 16000 0 2.0 1,2
enc mono16k mono16k-64k.aac -b:a 64k -aac_pns 0

prep mono8k 8000 0 2.0 1,2
enc mono8k mono8k-32k.aac -b:a 32k -aac_pns 0

prep stereo44k 44100 0.3 0.5 1 2
enc stereo44k stereo44k-128k.aac -b:a 128k -aac_pns 0

prep stereo48k 48000 0.3 0.45 1 2
enc stereo48k stereo48k-96k.aac -b:a 96k -aac_pns 0

# 5.1 in ffmpeg's order FL FR FC LFE BL BR; AAC carries it as
# SCE(C) CPE(L R) CPE(BL BR) LFE.
prep surround24k 24000 0.3 0.3 1 2 1v0.5,2v0.5 1v0.3 1v0.6 2v0.6
enc surround24k surround24k.aac -b:a 160k -aac_pns 0 -channel_layout 5.1

# Intensity stereo and M/S at a rate where the encoder uses both.
prep is44k 44100 0.3 0.5 1 2
enc is44k stereo44k-is-ms.aac -b:a 48k -aac_pns 0 -aac_is 1 -aac_ms 1

# Temporal noise shaping (on by default in ffmpeg 5.1, forced here) at
# 32 kHz, whose long windows have the most bands (51).
prep tns32k 32000 0.9 0.5 1 2
enc tns32k stereo32k-tns.aac -b:a 96k -aac_pns 0 -aac_tns 1

# A program config element in every frame (ADTS channel configuration 0).
prep pce16k 16000 0.3 0.6 1 2
enc pce16k stereo16k-pce.aac -b:a 48k -aac_pns 0 -aac_pce 1

# Perceptual noise substitution, mono and in a pair with M/S forced on.
prep pns44k 44100 0.3 1.0 1,2
enc pns44k mono44k-pns.aac -b:a 24k -aac_pns 1
prep spns44k 44100 0.3 0.5 1 2
enc spns44k stereo44k-pns-ms.aac -b:a 48k -aac_pns 1 -aac_ms 1

# Pulse data, which ffmpeg's encoder never writes: a stream made by the
# package's test encoder (TestCraftedPulses), decoded by ffmpeg.
(cd .. && go test -count=1 -run '^TestCraftedPulses$' . -args -write-crafted)
ffmpeg -v error -c:a aac -i pulses.aac -f s16le -c:a pcm_s16le - | gzip -9n > pulses.aac.s16le.gz

ls -l *.aac *.gz
