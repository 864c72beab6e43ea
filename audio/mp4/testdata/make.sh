#!/usr/bin/env bash
# Makes the MP4 demuxer's test files from the one source,
# ../../testdata/source.wav (made by ../../testdata/source.sh if missing),
# with Debian 12's sox and ffmpeg 5.1 (its native AAC encoder with PNS off,
# so that the decode is deterministic; libmp3lame for the MP3 files).
# Next to each decodable file F it writes
#   F.s16le.gz   ffmpeg's decode with its native float AAC decoder (or its
#                default MP3 decoder, mp3float, for the MP3 files):
#                ffmpeg -c:a aac -i F -f s16le -c:a pcm_s16le - | gzip -9n
#   F.packets    the access units ffmpeg's demuxer hands to the decoder,
#                from ffprobe: pts,duration,size,crc32 per line
# The tests read only these files, never the tools.
set -euo pipefail
cd "$(dirname "$0")"
src=../../testdata/source.wav
[ -f "$src" ] || ../../testdata/source.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ff() { ffmpeg -nostdin -v error -y "$@"; }
# Deterministic output: no encoder version strings or creation times.
bitexact=(-fflags +bitexact -flags:a +bitexact -map_metadata -1)
aac=(-c:a aac -aac_pns 0 "${bitexact[@]}")

reference() {
	case "$1" in
	mp3.*) ff -c:a mp3float -i "$1" -f s16le -c:a pcm_s16le - | gzip -9n >"$1.s16le.gz" ;;
	*) ff -c:a aac -i "$1" -f s16le -c:a pcm_s16le - | gzip -9n >"$1.s16le.gz" ;;
	esac
	ffprobe -v error -select_streams a:0 -show_data_hash CRC32 \
		-show_entries packet=pts,duration,size,data_hash -of flat "$1" |
		awk -F'[.=]' '
			/^packets\.packet\.[0-9]+\./ {
				v = $0; sub(/^[^=]*=/, "", v); gsub(/"/, "", v); sub(/^CRC32:/, "", v)
				a[$3, $4] = v; if ($3 + 1 > n) n = $3 + 1
			}
			END { for (i = 0; i < n; i++) print a[i, "pts"] "," a[i, "duration"] "," a[i, "size"] "," a[i, "data_hash"] }' >"$1.packets"
}

# Sources (sox -D: without dither, so that every run writes the same
# bytes): the left channel at 16 kHz (1.5 s), both at 44.1 kHz (0.5 s),
# the left channel at 48 kHz (0.6 s), 8 kHz (1 s), both at 32 kHz (0.5 s).
sox -D "$src" -r 16000 "$tmp/m16.wav" remix 1 trim 0 1.5
sox -D "$src" -r 16000 "$tmp/m16long.wav" remix 1 trim 0 2
sox -D "$src" -r 44100 -b 16 "$tmp/s44.wav" trim 0.3 0.5
sox -D "$src" -r 48000 -b 16 "$tmp/m48.wav" remix 1 trim 0.2 0.6
sox -D "$src" -r 8000 "$tmp/m8.wav" remix 1 trim 0 1
sox -D "$src" -r 32000 -b 16 "$tmp/s32.wav" trim 0.5 0.5
sox -D "$src" -r 16000 "$tmp/m16short.wav" remix 1 trim 0 1

# M4A as ffmpeg writes it: moov after mdat, an edit list skipping the
# encoder's 1024 priming samples.
ff -i "$tmp/m16.wav" "${aac[@]}" -b:a 64k aac-mono16k.m4a
ff -i "$tmp/s44.wav" "${aac[@]}" -b:a 64k aac-stereo44k.m4a
# The same with the moov box first.
ff -i "$tmp/m16.wav" "${aac[@]}" -b:a 64k -movflags +faststart aac-mono16k-faststart.m4a
ff -i "$tmp/s44.wav" "${aac[@]}" -b:a 64k -movflags +faststart aac-stereo44k-faststart.m4a
# Fragmented, as MediaRecorder writes it: an empty moov, then moof+mdat
# pairs of 100 ms with default-base-is-moof.
ff -i "$tmp/m48.wav" "${aac[@]}" -b:a 64k -frag_duration 100000 \
	-movflags frag_keyframe+empty_moov+default_base_moof aac-frag.mp4
# Fragmented with the first fragment's samples in the moov's sample tables
# and absolute base data offsets in the tfhd boxes.
ff -i "$tmp/m16short.wav" "${aac[@]}" -b:a 32k -frag_duration 250000 \
	-movflags frag_keyframe aac-frag-hybrid.mp4
# QuickTime: a version 1 sound description with the esds in a wave box.
ff -i "$tmp/s32.wav" "${aac[@]}" -b:a 64k aac.mov
# 3GP.
ff -i "$tmp/m8.wav" "${aac[@]}" -b:a 24k aac.3gp
# A video track (H.264, 16x16, 5 fps) before the sound track.
ff -f lavfi -i color=c=black:s=16x16:r=5 -i "$tmp/m16short.wav" -map 0:v -map 1:a -shortest \
	-c:v libx264 -preset ultrafast -flags:v +bitexact "${aac[@]}" -b:a 32k aac-video.mp4
# An edit list that starts 704 samples into the media: cut with -c copy.
ff -i "$tmp/m16long.wav" "${aac[@]}" -b:a 32k "$tmp/long.m4a"
ff -ss 0.3 -t 1.0 -i "$tmp/long.m4a" -c copy "${bitexact[@]}" aac-edit.m4a
# Apple's encoders prime with 2112 samples: the same stream as
# aac-mono16k.m4a with its edit list's media_time patched to 2112.
cp aac-mono16k.m4a aac-apple2112.m4a
elst=$(grep -obUaP 'elst' aac-apple2112.m4a | head -1 | cut -d: -f1)
# elst: type(4) version/flags(4) entry_count(4) segment_duration(4) media_time(4)
printf '\x00\x00\x08\x40' | dd of=aac-apple2112.m4a bs=1 seek=$((elst + 16)) conv=notrunc status=none

# MP3 frames: in an mp4a entry (objectTypeIndication 0x6B) at 44.1 kHz,
# and in a QuickTime .mp3 entry at 22.05 kHz (MPEG-2, 576-sample frames).
sox -D "$src" -r 44100 -b 16 "$tmp/m44.wav" remix 1 trim 0.2 0.6
sox -D "$src" -r 22050 -b 16 "$tmp/m22.wav" remix 1 trim 0.2 1
ff -i "$tmp/m44.wav" -c:a libmp3lame -b:a 64k "${bitexact[@]}" mp3.mp4
ff -i "$tmp/m22.wav" -c:a libmp3lame -b:a 32k "${bitexact[@]}" mp3.mov

for f in mp3.mp4 mp3.mov aac-mono16k.m4a aac-stereo44k.m4a aac-mono16k-faststart.m4a aac-stereo44k-faststart.m4a \
	aac-frag.mp4 aac-frag-hybrid.mp4 aac.mov aac.3gp aac-video.mp4 aac-edit.m4a aac-apple2112.m4a; do
	reference "$f"
done

# Codecs that are not decoded: 0.2 s of mono each, no reference.
sox -D "$src" -r 48000 -b 16 "$tmp/short48.wav" remix 1 trim 0.5 0.2
ff -i "$tmp/short48.wav" -c:a libopus -b:a 16k "${bitexact[@]}" unsupported-opus.mp4
ff -i "$tmp/short48.wav" -c:a flac -strict -2 "${bitexact[@]}" unsupported-flac.mp4
ff -i "$tmp/short48.wav" -c:a alac "${bitexact[@]}" unsupported-alac.m4a
ff -i "$tmp/short48.wav" -c:a ac3 -b:a 64k "${bitexact[@]}" unsupported-ac3.mp4
ff -i "$tmp/short48.wav" -c:a mp2 -b:a 64k "${bitexact[@]}" unsupported-mp2.mp4
ff -i "$tmp/short48.wav" -c:a pcm_s16le "${bitexact[@]}" unsupported-pcm.mov

ls -l
