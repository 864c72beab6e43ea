#!/usr/bin/env bash
# Makes the MP3 test files from ../../testdata/source.wav (run
# ../../testdata/source.sh first if it is missing) with Debian 12's sox and
# lame 3.100, and next to each file F the reference decode of ffmpeg 5.1's
# floating-point MP3 decoder (mp3float, forced; it is ffmpeg's default):
#   F.s16le.gz = ffmpeg -c:a mp3float -i F -f s16le -c:a pcm_s16le - | gzip -9n
# Every file and reference stays under 100 KB. The tests read only these
# outputs, never the encoders or ffmpeg.
set -euo pipefail
cd "$(dirname "$0")"
src=../../testdata/source.wav
[ -f "$src" ] || { echo "missing $src: run audio/testdata/source.sh" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# clip NAME RATE CHANNELS START SECONDS: a 16-bit WAV cut from the source.
clip() {
  sox -R "$src" -b 16 "$tmp/$1.wav" trim "$4" "$5" remix $([ "$3" = 1 ] && echo 1 || echo 1 2) rate -v "$2" dither -s
}
ref() {
  ffmpeg -v error -c:a mp3float -i "$1" -f s16le -c:a pcm_s16le - | gzip -9n > "$1.s16le.gz"
}
enc() { # enc OUT CLIP lame-options...: encodes at the clip's rate (lame
  # would otherwise resample low bitrates to a lower rate).
  local out=$1 in=$2; shift 2
  local khz; khz=$(sox --i -r "$tmp/$in.wav" | awk '{ printf "%g", $1 / 1000 }')
  lame --quiet --nohist --resample "$khz" "$@" "$tmp/$in.wav" "$out"
}

clip s44 44100 2 0.3 0.6
clip s48 48000 2 0.8 0.5
clip m22 22050 1 0.2 1.5
clip m8 8000 1 0.0 2.0
clip m16 16000 1 0.5 1.5
clip s32 32000 2 1.0 0.6
clip m24 24000 1 0.4 1.0
clip s12 12000 2 0.6 1.2
clip m11 11025 1 0.9 1.0
clip s24 24000 2 1.1 0.8

# MPEG-1, 44.1 kHz, CBR 128 kbit/s joint stereo, Xing "Info" + LAME tag.
enc cbr128_44k_joint.mp3 s44 -b 128 -m j
# MPEG-1, 48 kHz, VBR -V 5 stereo, Xing + LAME tag.
enc vbr_v5_48k_stereo.mp3 s48 -V 5
# MPEG-2 (LSF), 22.05 kHz mono.
enc mpeg2_22k_mono.mp3 m22 -b 48 -m m
# MPEG-2.5, 8 kHz mono.
enc mpeg25_8k_mono.mp3 m8 -b 16 -m m
# MPEG-2.5, 12 kHz joint stereo (LSF mid/side).
enc mpeg25_12k_joint.mp3 s12 -b 32 -m j
# MPEG-2.5, 11.025 kHz mono VBR.
enc mpeg25_11k_vbr.mp3 m11 -V 7 -m m
# MPEG-2, 16 kHz mono with an ID3v2.3 tag of title and artist only.
enc id3v2_16k_mono.mp3 m16 -b 32 -m m --id3v2-only --tt "Seven quick zebras" --ta "espeak-ng"
# The same with 40000 bytes of ID3v2 padding.
enc id3v2_padded_16k_mono.mp3 m16 -b 32 -m m --id3v2-only --tt "Padded" --pad-id3v2-size 40000
# MPEG-1, 32 kHz stereo without the Xing/LAME frame (lame -t): no gapless info.
enc notag_32k_stereo.mp3 s32 -b 64 -t
# MPEG-2, 24 kHz mono with an ID3v1 tag at the end.
enc id3v1_24k_mono.mp3 m24 -b 40 -m m --id3v1-only --tt "Zebras" --ta "espeak-ng" --tl "Fixtures" --ty 2024
# MPEG-1, 44.1 kHz simple stereo with CRC protection (lame -p).
enc crc_44k_stereo.mp3 s44 -b 96 -m s -p
# MPEG-2, 24 kHz joint stereo VBR with, at the end, a Lyrics3 v2 tag, an APEv2
# tag (header and footer) and an ID3v1 tag, in that order.
enc tags_24k_joint.mp3 s24 -V 6 -m j --id3v1-only --tt "Tagged"
le32() { printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(( $1 & 255 )) $(( ($1 >> 8) & 255 )) $(( ($1 >> 16) & 255 )) $(( ($1 >> 24) & 255 )); }
{
  head -c -128 tags_24k_joint.mp3
  lyr='LYRICSBEGININD0000210ETT00006Zebras'
  printf '%s%06dLYRICS200' "$lyr" ${#lyr}
  item='Title'; value='Zebras'
  size=$(( 8 + ${#item} + 1 + ${#value} + 32 ))
  printf "APETAGEX$(le32 2000)$(le32 $size)$(le32 1)\\x00\\x00\\x00\\xa0\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00"
  printf "$(le32 ${#value})$(le32 0)%s\\x00%s" "$item" "$value"
  printf "APETAGEX$(le32 2000)$(le32 $size)$(le32 1)\\x00\\x00\\x00\\x80\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00"
  tail -c 128 tags_24k_joint.mp3
} > "$tmp/tagged.mp3"
mv "$tmp/tagged.mp3" tags_24k_joint.mp3

# frames FILE: the byte offset of every frame of an MPEG-1 Layer III file
# without ID3v2 tag, walking the headers (bitrate and padding bits).
frames() {
  od -An -v -tu1 -w1 "$1" | awk '
    BEGIN { split("0 32 40 48 56 64 80 96 112 128 160 192 224 256 320", br, " ");
            split("44100 48000 32000", sr, " ") }
    { b[NR-1] = $1 }
    END { p = 0
      while (p + 4 <= NR && b[p] == 255) {
        print p
        rate = br[int(b[p+2] / 16) + 1] * 1000; hz = sr[int(b[p+2] / 4) % 4 + 1]
        p += int(144 * rate / hz) + int(b[p+2] / 2) % 2
      } }'
}
# A stream that starts mid-way: the first 8 frames of a CBR file (Xing frame
# included) cut off, so the first frame's bit reservoir is missing.
lame --quiet --nohist -b 128 -m j "$tmp/s44.wav" "$tmp/full.mp3"
tail -c +$(( $(frames "$tmp/full.mp3" | sed -n 9p) + 1 )) "$tmp/full.mp3" > cut_start_44k.mp3
# Junk before the first frame: 3000 bytes of the source's PCM samples, then a
# complete file (with its Xing frame).
{ head -c 3044 "$src" | tail -c 3000; cat cbr128_44k_joint.mp3; } > junk_start_44k.mp3

# A Fraunhofer VBRI frame (frame count 27) put before the frames of the
# file without Xing frame: version 1, delay 0, quality 75, then byte and
# frame counts. ffmpeg takes the count and skips the frame.
{
  head -c 4 notag_32k_stereo.mp3          # the first frame's header: 288 bytes
  head -c 32 /dev/zero                    # side information: all zero
  printf 'VBRI\x00\x01\x00\x00\x00\x4b'
  printf '\x00\x00\x14\x40\x00\x00\x00\x1b'
  head -c $(( 288 - 4 - 32 - 18 )) /dev/zero
  cat notag_32k_stereo.mp3
} > vbri_32k_stereo.mp3
# A Xing frame whose frame count (10) is less than the frames that follow
# (24): ffmpeg drops the padding after frame 10 and keeps what follows.
cp cbr128_44k_joint.mp3 xing_short_count_44k.mp3
printf '\x00\x00\x00\x0a' | dd of=xing_short_count_44k.mp3 bs=1 seek=44 conv=notrunc status=none

for f in *.mp3; do ref "$f"; done
# ffmpeg's demuxer passes the Lyrics3 tag of tags_24k_joint.mp3 to the
# decoder, which reports "Header missing" and drops it: the audio is
# unaffected.

# Streams this package does not decode (no reference): MPEG-1 Layer II
# (ffmpeg's mp2 encoder), and a free-format Layer III stream.
ffmpeg -v error -y -i "$tmp/s32.wav" -t 0.2 -c:a mp2 -b:a 64k -f mp2 layer2_32k.mp2
lame --quiet --nohist --resample 44.1 --freeformat -b 200 -t "$tmp/s44.wav" "$tmp/ff.mp3"
head -c 6000 "$tmp/ff.mp3" > freeformat_44k.bin
ls -l *.mp3 *.gz *.mp2 *.bin
