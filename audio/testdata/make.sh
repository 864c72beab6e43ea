#!/usr/bin/env bash
# Test files for the format recogniser and the ffmpeg fallback (package
# audio): formats no pure-Go decoder handles, made from source.wav with
# Debian's sox and ffmpeg 5.1. Each is 1 s of the source, mono 16 kHz unless
# the format needs otherwise, and well under 100 KB.
set -euo pipefail
cd "$(dirname "$0")"
[ -f source.wav ] || ./source.sh
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
sox -R source.wav -r 16000 -c 1 -b 16 "$tmp/mono16k.wav" trim 0 1.0 remix 1
ff() { ffmpeg -v error -y -bitexact "$@"; }
ff -i "$tmp/mono16k.wav" -c:a adpcm_ima_wav adpcm.wav              # WAV with a codec we do not decode
sox -R "$tmp/mono16k.wav" tone.aiff                                    # AIFF
ff -i "$tmp/mono16k.wav" -c:a wmav2 -b:a 32k tone.wma               # ASF/WMA
ff -i "$tmp/mono16k.wav" -c:a pcm_s16be tone.caf                    # Core Audio
ff -i "$tmp/mono16k.wav" -ar 8000 -c:a libgsm_ms tone.gsm.wav       # GSM 6.10 (Microsoft) in WAV
ff -i "$tmp/mono16k.wav" -ar 48000 -c:a ac3 -b:a 64k tone.ac3        # raw AC-3
ff -i "$tmp/mono16k.wav" -c:a alac tone-alac.m4a                    # ALAC in MP4
ls -l adpcm.wav tone.aiff tone.wma tone.caf tone.gsm.wav tone.ac3 tone-alac.m4a

# Seeds of the long-file memory tests (cmd/xdna-worker): 10 s of the source
# as a tag-less MP3 (lame -t, so copies concatenate into one long stream).
sox -R source.wav -r 16000 -c 1 -b 16 "$tmp/mono16k-10s.wav" remix 1 repeat 4 trim 0 10
lame --quiet -t -b 32 "$tmp/mono16k-10s.wav" long-seed.mp3
ls -l long-seed.mp3
# and 4 s as FLAC, whose frames the test repeats after its STREAMINFO.
sox -R source.wav -r 16000 -c 1 -b 16 "$tmp/mono16k-5s.wav" remix 1 repeat 2 trim 0 4
flac --silent --force -5 --no-padding --no-seektable -o long-seed.flac "$tmp/mono16k-5s.wav"
ls -l long-seed.flac
# and 10 s as Ogg Vorbis and Ogg Opus, whose audio packets the test re-pages
# after their header packets; as WebM (Opus), whose frames it re-clusters;
# and as AAC-LC in ADTS, whose frames it repeats as a raw .aac stream and
# stores in MP4 files it writes itself (moov at the end, and fragmented).
oggenc --quiet --quality 0 --serial 1 -o long-seed.ogg "$tmp/mono16k-10s.wav"
opusenc --quiet --serial 1 --bitrate 24 "$tmp/mono16k-10s.wav" long-seed.opus
ff -i "$tmp/mono16k-10s.wav" -c:a libopus -b:a 24k -fflags +bitexact -flags:a +bitexact long-seed.webm
ff -i "$tmp/mono16k-10s.wav" -c:a aac -b:a 32k -fflags +bitexact -flags:a +bitexact -f adts long-seed.aac
ls -l long-seed.ogg long-seed.opus long-seed.webm long-seed.aac
