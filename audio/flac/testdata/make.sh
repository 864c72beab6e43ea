#!/usr/bin/env bash
# Makes the FLAC test files from the one source (../../testdata/source.wav,
# made by ../../testdata/source.sh) with Debian 12's sox and flac 1.4.2, and
# next to each F the reference decode F.s16le.gz or F.s32le.gz:
#   ffmpeg -v error -i F -f s16le -c:a pcm_s16le - | gzip -9n   (≤ 16 bits)
#   ffmpeg -v error -i F -f s32le -c:a pcm_s32le - | gzip -9n   (> 16 bits)
# ffmpeg 5.1 has one FLAC decoder (its native one). It decodes no frame of a
# 32-bit stream (0 samples, no error), so the 32-bit file's reference is
# libFLAC's: flac -d --force-raw-format --endian=little --sign=signed.
# ffprobe.txt records what ffprobe reports of each file (rate, channels,
# layout, samples), which the tests compare with Info.
#
# Every file stays under 100 KB. Needs sox, flac, metaflac, ffmpeg, ffprobe,
# gzip and go (for varblock.go, which rewrites frames into a
# variable-blocksize stream: no Debian encoder writes one).
set -euo pipefail
cd "$(dirname "$0")"
src=../../testdata/source.wav
[ -f "$src" ] || ../../testdata/source.sh
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
rm -f -- *.flac *.s16le.gz *.s32le.gz ffprobe.txt

enc() { flac -s -f "$@"; }

# 16-bit stereo 44.1 kHz, flac's default -5 (LPC order 8). The right
# channel is mostly the left, so that flac codes frames as left/side,
# right/side and mid/side.
sox "$src" -D -b 16 -r 44100 "$tmp/a.wav" trim 0 0.5 remix 1 1v0.8,2v0.2
enc -5 -o s16-44k-stereo.flac "$tmp/a.wav"

# 24-bit stereo 96 kHz, very short; -8 with exhaustive precision search.
sox "$src" -D -b 24 -r 96000 "$tmp/b.wav" trim 0.6 0.12
enc -8 -p -o s24-96k-stereo.flac "$tmp/b.wav"

# 8-bit mono 8 kHz (the WAV is unsigned; FLAC stores it signed).
sox "$src" -D -b 8 -r 8000 -c 1 "$tmp/c.wav" trim 0 2 remix 1
enc -5 -o u8-8k-mono.flac "$tmp/c.wav"

# 16-bit mono 16 kHz, non-subset: LPC order up to 32, blocksize 1152, -8 with
# exhaustive model and precision search, partition order up to 8.
sox "$src" -D -b 16 -r 16000 -c 1 "$tmp/d.wav" trim 0 1.5 remix 2
enc -8 --lax -l 32 -b 1152 -e -p -r 8 -o s16-16k-mono-lpc32.flac "$tmp/d.wav"

# 5.1 at 16 kHz: sox writes WAVE_FORMAT_EXTENSIBLE with mask 0x3F, which
# flac stores as WAVEFORMATEXTENSIBLE_CHANNEL_MASK=0x003F (FL FR FC LFE BL
# BR, honoured by ffmpeg). The LFE channel is silent (constant subframes).
sox "$src" -D -b 16 -r 16000 "$tmp/e.wav" trim 0.3 0.4 \
  remix 1 2 1v0.5,2v0.5 0 2v0.7 1v0.7
enc -5 -o s16-16k-5.1.flac "$tmp/e.wav"

# 192 kHz, very short: 16-bit values in 24-bit samples, so every subframe
# has 8 wasted bits.
sox "$src" -D -b 16 -r 192000 "$tmp/f16.wav" trim 0.5 0.05
sox "$tmp/f16.wav" -b 24 "$tmp/f.wav"
enc -5 -o s24-192k-wasted.flac "$tmp/f.wav"

# 32-bit stereo 16 kHz with full 32-bit values (the volume change fills the
# low bits) and nearly equal channels, so that flac picks stereo
# decorrelation, whose side channel takes 33 bits.
sox "$src" -D -b 32 -r 16000 "$tmp/g.wav" trim 0.2 0.3 remix 1v0.93 1v0.9,2v0.02
enc -5 --lax -o s32-16k-stereo.flac "$tmp/g.wav"

# A 16 kHz mono file with a PNG picture block (a spectrogram of the clip)
# and a 30000-byte padding block before the audio.
sox "$src" -D -b 16 -r 16000 -c 1 "$tmp/h.wav" trim 0.8 0.5 remix 1
sox "$tmp/h.wav" -n spectrogram -x 160 -y 65 -r -m -o "$tmp/pic.png"
enc -5 --padding=30000 --picture="3||cover|160x65x8|$tmp/pic.png" -o picture-padding.flac "$tmp/h.wav"

# An ID3v2.4 tag (a TIT2 frame and 64 bytes of tag padding) before fLaC.
sox "$src" -D -b 16 -r 11025 -c 1 "$tmp/i.wav" trim 1.0 0.5 remix 1
enc -5 --no-padding -o "$tmp/i.flac" "$tmp/i.wav"
title='xdna-worker test'
frame=$(( 1 + ${#title} ))                  # encoding byte + text
tagsize=$(( 10 + frame + 64 ))              # TIT2 frame header + body + padding
{
  printf 'ID3\x04\x00\x00'
  printf "\\x$(printf %02x $(( (tagsize>>21)&127 )))\\x$(printf %02x $(( (tagsize>>14)&127 )))"
  printf "\\x$(printf %02x $(( (tagsize>>7)&127 )))\\x$(printf %02x $(( tagsize&127 )))"
  printf 'TIT2\x00\x00\x00'; printf "\\x$(printf %02x $frame)"; printf '\x00\x00\x03%s' "$title"
  head -c 64 /dev/zero
  cat "$tmp/i.flac"
} > id3v2.flac

# A variable-blocksize stream: three parts of one 22.05 kHz mono clip encoded
# with blocksizes 4096, 1152 and 576 (the last block short), their frames
# rewritten by varblock.go to carry sample numbers, behind the STREAMINFO
# (and MD5) of the whole clip.
sox "$src" -D -b 16 -r 22050 -c 1 "$tmp/j.wav" trim 0.2 1.2 remix 1
sox "$tmp/j.wav" "$tmp/j1.wav" trim 0 12288s
sox "$tmp/j.wav" "$tmp/j2.wav" trim 12288s 5760s
sox "$tmp/j.wav" "$tmp/j3.wav" trim 18048s
enc -5 -o "$tmp/j.flac" "$tmp/j.wav"
enc -5 -b 4096 -o "$tmp/j1.flac" "$tmp/j1.wav"
enc -5 -b 1152 -o "$tmp/j2.flac" "$tmp/j2.wav"
enc -5 -b 576 -o "$tmp/j3.flac" "$tmp/j3.wav"
go run varblock.go variable-blocksize.flac "$tmp/j.flac" "$tmp/j1.flac" "$tmp/j2.flac" "$tmp/j3.flac"

# Seeds of FuzzDecode (Go's corpus format, committed): tiny streams in
# several shapes, and a few edge cases cut from them.
rm -rf fuzz/FuzzDecode; mkdir -p fuzz/FuzzDecode
seed() { # NAME FILE
  printf 'go test fuzz v1\n[]byte("%s")\n' \
    "$(od -An -v -tx1 "$2" | tr -d ' \n' | sed 's/../\\x&/g')" > "fuzz/FuzzDecode/$1"
}
tiny() { # NAME SOX-OUTPUT-OPTIONS -- FLAC-OPTIONS
  local name=$1; shift; local sox=(); while [ "$1" != -- ]; do sox+=("$1"); shift; done; shift
  sox "$src" -D "${sox[@]}" "$tmp/$name.wav" trim 0.5 0.004
  enc --lax --no-padding --no-seektable -T x=y "$@" -o "$tmp/$name.flac" "$tmp/$name.wav"
  seed "$name" "$tmp/$name.flac"
}
tiny mono16 -b 16 -r 8000 -c 1 -- -b 16
tiny stereo16 -b 16 -r 44100 -- -b 64 -m -l 4
tiny stereo24 -b 24 -r 96000 -- -b 128 -l 12
tiny mono8 -b 8 -r 16000 -c 1 -- -b 32 -l 0
tiny stereo32 -b 32 -r 16000 -- -b 32
tiny surround -b 16 -r 8000 -c 6 -- -b 16 -l 2
{ printf 'ID3\x03\x00\x00\x00\x00\x00\x02ab'; cat "$tmp/mono16.flac"; } > "$tmp/id3.flac"
seed id3 "$tmp/id3.flac"
printf 'fLaC' > "$tmp/marker"; seed marker "$tmp/marker"
# STREAMINFO alone: the first 42 bytes with the last-block flag set.
{ printf 'fLaC\x80'; tail -c +6 "$tmp/mono16.flac" | head -c 37; } > "$tmp/info"
seed streaminfo-only "$tmp/info"
head -c 100 "$tmp/stereo16.flac" > "$tmp/cut"; seed cut "$tmp/cut"

for f in *.flac; do
  bits=$(ffprobe -v error -show_entries stream=bits_per_raw_sample -of csv=p=0 "$f")
  if [ "$bits" -gt 16 ] 2>/dev/null; then
    if [ "$bits" -eq 32 ]; then
      flac -s -d -c --force-raw-format --endian=little --sign=signed "$f" | gzip -9n > "$f.s32le.gz"
    else
      ffmpeg -v error -i "$f" -f s32le -c:a pcm_s32le - | gzip -9n > "$f.s32le.gz"
    fi
  else
    ffmpeg -v error -i "$f" -f s16le -c:a pcm_s16le - | gzip -9n > "$f.s16le.gz"
  fi
  echo "$f $(ffprobe -v error -select_streams a -show_entries stream=sample_rate,channels,channel_layout,bits_per_raw_sample,duration_ts -of csv=p=0 "$f")" >> ffprobe.txt
done
ls -l -- *.flac *.gz
big=$(find . -maxdepth 1 -type f -size +99k)
[ -z "$big" ] || { echo "files over 100 KB: $big" >&2; exit 1; }
