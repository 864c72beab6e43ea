#!/usr/bin/env bash
# Makes the Matroska/WebM test files from ../../testdata/source.wav (run
# ../../testdata/source.sh first if it is missing) with Debian 12's sox and
# ffmpeg 5.1 (libopus, libvorbis, libvpx encoders; its Matroska muxer), and
# next to each file F:
#   F.s16le.gz   ffmpeg's decode, with libopus for Opus (forced: the
#                reference decoder; ffmpeg's own "opus" decoder is the
#                default otherwise) and ffmpeg's native vorbis decoder for
#                Vorbis (its default):
#                  ffmpeg -v error [-c:a libopus] -i F -f s16le -c:a pcm_s16le - | gzip -9n
#   F.packets    ffprobe's list of the audio track's packets (size,pts),
#                which the demuxer's own packets are compared with.
# Every file and reference stays under 100 KB, and every run makes the same
# bytes. The tests read only these outputs, never the encoders or ffmpeg.
#
# ffmpeg writes no unknown-size Clusters (-live 1 leaves only the Segment's
# size unknown), so live.webm, the MediaRecorder-style file, is ffmpeg's
# live output with the size fields of its Segment and Clusters rewritten to
# "unknown" by unknownsize.go (nothing else changes). The laced file is
# built by the tests themselves from the packets of opus_mono.webm, as
# ffmpeg writes no lacing for Opus or Vorbis.
set -euo pipefail
cd "$(dirname "$0")"
src=../../testdata/source.wav
[ -f "$src" ] || { echo "missing $src: run audio/testdata/source.sh" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# clip NAME RATE CHANNELS START SECONDS: a 16-bit WAV cut from the source
# (sox -R: repeatable dither).
clip() {
  sox -R "$src" -b 16 "$tmp/$1.wav" trim "$4" "$5" remix $([ "$3" = 1 ] && echo 1 || echo 1 2) rate -v "$2" dither -s
}
# ref F [decoder]: ffmpeg's decode of F, and its packet list.
ref() {
  ffmpeg -v error ${2:+-c:a "$2"} -i "$1" -f s16le -c:a pcm_s16le - | gzip -9n > "$1.s16le.gz"
  ffprobe -v error -select_streams a:0 -show_packets -show_entries packet=size,pts -of csv=p=0 "$1" > "$1.packets"
}
# ff INPUTS... OUT: ffmpeg with bit-exact output (fixed UIDs, no version
# strings), so that the files are the same on every run.
ff() { ffmpeg -v error -y "${@:1:$#-1}" -fflags +bitexact -flags +bitexact "${@: -1}"; }

clip m48 48000 1 0.0 1.0
clip s48 48000 2 0.6 0.5
clip s22 22050 2 0.3 0.9
clip m16 16000 1 0.9 0.8
clip m48b 48000 1 1.2 0.6

# WebM, Opus 32 kbit/s mono: SimpleBlocks, the last in a BlockGroup with
# DiscardPadding; CodecDelay and the OpusHead's pre-skip of 312.
ff -i "$tmp/m48.wav" -c:a libopus -b:a 32k opus_mono.webm
ref opus_mono.webm libopus

# Matroska (DocType "matroska"), Opus 48 kbit/s stereo.
ff -i "$tmp/s48.wav" -c:a libopus -b:a 48k opus_stereo.mkv
ref opus_stereo.mkv libopus

# WebM, Vorbis -q 3, 22.05 kHz stereo; 0.9 s, so the length is not a
# multiple of the block sizes.
ff -i "$tmp/s22.wav" -c:a libvorbis -q:a 3 vorbis_stereo.webm
ref vorbis_stereo.webm

# MediaRecorder style: unknown-size Segment and Clusters (several, of
# ~200 ms), SimpleBlocks, no Cues; Opus from a 16 kHz mono recording.
ff -i "$tmp/m16.wav" -c:a libopus -b:a 24k -live 1 -cluster_time_limit 200 "$tmp/live.webm"
go run unknownsize.go "$tmp/live.webm" live.webm
ref live.webm libopus

# A VP8 video track first (16x16 black, 5 frames/s), the Opus audio second,
# their blocks interleaved in the Clusters.
ff -f lavfi -i color=c=black:s=16x16:r=5 -i "$tmp/m48b.wav" -map 0:v -map 1:a -shortest \
  -c:v libvpx -b:v 20k -c:a libopus -b:a 24k video.webm
ref video.webm libopus

ls -l ./*.webm ./*.mkv ./*.gz ./*.packets
