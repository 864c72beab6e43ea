#!/usr/bin/env bash
# Makes the Opus test files from ../../testdata/source.wav (run
# ../../testdata/source.sh first) with Debian 12's sox, opusenc (opus-tools
# 0.2, libopus 1.3.1) and ffmpeg 5.1, and writes next to each F.opus:
#   F.opus.s16le.gz  ffmpeg's decode with the libopus decoder (the reference
#                    decoder; ffmpeg's native "opus" decoder is not used):
#                    ffmpeg -v error -c:a libopus -i F.opus -f s16le -c:a pcm_s16le -
#   F.opus.rng       for files opusenc wrote, its --save-range log: the final
#                    range coder state of every packet, which the decoder
#                    must reproduce.
# Clips are short (0.12-1 s): every file, reference included, stays under
# 100 KB. The script prints each file's size and fails if one is larger.
set -euo pipefail
cd "$(dirname "$0")"
src=../../testdata/source.wav
[ -f "$src" ] || { echo "missing $src: run audio/testdata/source.sh" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# Sources: mono speech (left), the stereo source, a 5.1 remix, and speech
# with heavy reverb and chorus (which the encoder's analysis takes for
# music, so it switches to CELT on it and back when speech follows).
sox "$src" -c 1 "$tmp/mono.wav" remix 1
sox "$src" -c 6 "$tmp/s51.wav" remix 1 2 1v0.5,2v0.5 1v0.3,2v0.3 1v0.7 2v0.7
sox "$tmp/mono.wav" "$tmp/wet.wav" reverb 100 50 100 100 0 0 chorus 0.7 0.9 55 0.4 0.25 2 -t

clip() { # clip IN OUT START LENGTH
  sox "$1" "$2" trim "$3" "$4"
}
enc() { # enc NAME INPUT OPUSENC-OPTIONS...
  local name=$1 in=$2; shift 2
  opusenc --quiet --serial 1 --save-range "$name.opus.rng" "$@" "$in" "$name.opus" 2>/dev/null
}

clip "$tmp/mono.wav" "$tmp/m05.wav" 0 0.5
clip "$tmp/mono.wav" "$tmp/m06.wav" 0.3 0.6
clip "$src" "$tmp/s04.wav" 0 0.4
clip "$src" "$tmp/s03.wav" 0.5 0.3

# SILK: narrowband 20 ms, wideband 20 ms (forced: at 16 kb/s the encoder
# would pick Hybrid); wideband 10 ms and mediumband 60 ms with in-band FEC
# (LBRR frames, which the decoder must skip); 40 ms frames with FEC.
enc silk_nb_8k            "$tmp/m05.wav" --bitrate 8
enc silk_wb_16k           "$tmp/m05.wav" --bitrate 16 --set-ctl-int 4008=1103
enc silk_wb_10ms_fec      "$tmp/m05.wav" --bitrate 20 --framesize 10 --expect-loss 20 --set-ctl-int 4012=1 --set-ctl-int 4008=1103
enc silk_mb_60ms_fec      "$tmp/m06.wav" --bitrate 20 --framesize 60 --expect-loss 20 --set-ctl-int 4012=1 --set-ctl-int 4008=1102
enc mono_24k_40ms_fec     "$tmp/m05.wav" --bitrate 24 --framesize 40 --expect-loss 20 --set-ctl-int 4012=1
# SILK stereo (mid/side prediction), wideband forced.
enc silk_stereo_24k       "$tmp/s04.wav" --bitrate 24 --set-ctl-int 4008=1103
# Hybrid: 60 ms packets of three frames (code 3), stereo, and hard CBR
# 60 ms packets (code 3 with padding).
enc mono_24k_60ms         "$tmp/m06.wav" --bitrate 24 --framesize 60
enc hybrid_32k_stereo     "$tmp/s04.wav" --bitrate 32
enc hybrid_cbr_60ms       "$tmp/s04.wav" --bitrate 24 --hard-cbr --framesize 60
# CELT: fullband 20 ms, the short frames, 40 ms packets (codes 1 and 2),
# and constrained VBR with one packet per page (--max-delay 0).
enc celt_64k_stereo       "$tmp/s04.wav" --bitrate 64
enc celt_128k_2.5ms       "$tmp/s03.wav" --bitrate 128 --framesize 2.5
enc celt_128k_5ms         "$tmp/s03.wav" --bitrate 128 --framesize 5
enc celt_128k_10ms        "$tmp/s03.wav" --bitrate 128 --framesize 10
enc celt_128k_40ms        "$tmp/s03.wav" --bitrate 128 --framesize 40
enc celt_64k_maxdelay0    "$tmp/m05.wav" --bitrate 64 --cvbr --max-delay 0
# DTX: 1-byte packets over silence, decoded as concealment: SILK's (with
# comfort noise), and CELT's (pitch-based, then noise after five frames).
sox "$tmp/mono.wav" "$tmp/dtx.wav" trim 0 0.5 pad 0 0.5
enc silk_dtx              "$tmp/dtx.wav" --bitrate 12 --set-ctl-int 4016=1
sox "$tmp/mono.wav" "$tmp/dtx2.wav" trim 0 0.4 pad 0 0.6
enc celt_dtx              "$tmp/dtx2.wav" --bitrate 64 --set-ctl-int 4016=1
# Mode switches the encoder makes itself, with redundant CELT frames:
# CELT to Hybrid (music, then speech) and Hybrid to CELT (stereo 48 kb/s).
clip "$tmp/wet.wav" "$tmp/w1.wav" 0 0.75
clip "$tmp/mono.wav" "$tmp/w2.wav" 0 0.2
sox "$tmp/w1.wav" "$tmp/w2.wav" "$tmp/wetdry.wav"
enc switch_celt_to_hybrid "$tmp/wetdry.wav" --bitrate 40
clip "$src" "$tmp/s05.wav" 0 0.5
enc switch_hybrid_to_celt "$tmp/s05.wav" --bitrate 48
# 5.1 (channel mapping family 1: two coupled and two mono streams).
clip "$tmp/s51.wav" "$tmp/s51c.wav" 0.4 0.12
enc surround51            "$tmp/s51c.wav" --bitrate 96
# Channel mapping family 255 (no positions): ffmpeg's libopus encoder makes
# one mono stream per channel.
ffmpeg -v error -y -i "$tmp/s03.wav" -fflags +bitexact -c:a libopus -mapping_family 255 -b:a 64k -serial_offset 1 family255.opus

# Mode transitions without redundancy: the packets of eight 0.1 s clips,
# each encoded in another mode or frame size, spliced into one Ogg stream
# (SILK, CELT 2.5 ms, Hybrid, SILK 10 ms, CELT 20 ms, Hybrid 10 ms, SILK
# 60 ms, CELT 5 ms). The splice keeps the first clip's headers and sets
# each page's granule position to the samples decoded so far.
i=0
for opts in "--bitrate 8" "--bitrate 96 --framesize 2.5" "--bitrate 24" "--bitrate 12 --framesize 10" \
            "--bitrate 96" "--bitrate 32 --framesize 10" "--bitrate 10 --framesize 60" "--bitrate 96 --framesize 5"; do
  clip "$tmp/mono.wav" "$tmp/seg$i.wav" "0.$i" 0.1
  # shellcheck disable=SC2086
  opusenc --quiet --serial 1 $opts "$tmp/seg$i.wav" "$tmp/seg$i.opus" 2>/dev/null
  i=$((i+1))
done
python3 - "$tmp" <<'PY'
import struct, sys
tmp = sys.argv[1]
table = []
for i in range(256):
    r = i << 24
    for _ in range(8):
        r = ((r << 1) ^ 0x04c11db7) if r & 0x80000000 else r << 1
    table.append(r & 0xffffffff)
def crc(b):
    c = 0
    for x in b:
        c = ((c << 8) & 0xffffffff) ^ table[((c >> 24) ^ x) & 0xff]
    return c
def packets(path):
    d = open(path, 'rb').read()
    out, cur, i = [], b'', 0
    while i < len(d):
        n = d[i + 26]
        lacing = d[i + 27:i + 27 + n]
        pos = i + 27 + n
        for l in lacing:
            cur += d[pos:pos + l]
            pos += l
            if l < 255:
                out.append(cur)
                cur = b''
        i = pos
    return out
def duration(p):  # RFC 6716 section 3.1
    cfg = p[0] >> 3
    if cfg < 12:
        f = (480, 960, 1920, 2880)[cfg & 3]
    elif cfg < 16:
        f = (480, 960)[cfg & 1]
    else:
        f = (120, 240, 480, 960)[cfg & 3]
    c = p[0] & 3
    return f if c == 0 else 2 * f if c < 3 else (p[1] & 63) * f
def page(flag, granule, seq, pkts):
    lacing, body = b'', b''
    for p in pkts:
        lacing += b'\xff' * (len(p) // 255) + bytes([len(p) % 255])
        body += p
    h = b'OggS' + bytes([0, flag]) + struct.pack('<qII', granule, 0x5eed, seq) + b'\0\0\0\0' + bytes([len(lacing)])
    pg = h + lacing + body
    return pg[:22] + struct.pack('<I', crc(pg)) + pg[26:]
first = packets(f'{tmp}/seg0.opus')
audio = []
for i in range(8):
    audio += packets(f'{tmp}/seg{i}.opus')[2:]
out = page(2, 0, 0, [first[0]]) + page(0, 0, 1, [first[1]])
granule, seq = 0, 2
for k in range(0, len(audio), 16):
    chunk = audio[k:k + 16]
    granule += sum(duration(p) for p in chunk)
    last = k + 16 >= len(audio)
    out += page(4 if last else 0, granule, seq, chunk)
    seq += 1
open('modes_spliced.opus', 'wb').write(out)
PY

for f in *.opus; do
  ffmpeg -v error -c:a libopus -i "$f" -f s16le -c:a pcm_s16le - | gzip -9n > "$f.s16le.gz"
done
status=0
for f in *.opus *.opus.*; do
  size=$(stat -c %s "$f")
  printf '%7d %s\n' "$size" "$f"
  if [ "$size" -ge 102400 ]; then echo "  $f is over 100 KB" >&2; status=1; fi
done
exit $status
