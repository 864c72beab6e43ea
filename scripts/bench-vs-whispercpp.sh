#!/usr/bin/env bash
# Side by side with whisper.cpp on the same machine, the same files and the
# same threads (issue 10, item 5). For each model file (DIMS × TYPES: random
# weights written as F16 by whisper/whispertest/mkmodel with the fixtures'
# vocabulary, then quantized by whisper.cpp's own whisper-quantize so both
# programs read the same bytes), interleaved rounds, best of each:
#   - encoder, one 30 s window: our BenchmarkFileEncoder (s/window) against
#     `whisper-bench -m M -t T` "encode time" (whisper.cpp's encode also
#     computes the cross-attention K/V, which ours does in SetAudio);
#   - decoder, one single-sequence token: our BenchmarkFileDecoderToken
#     (ms/token, positions 2–255) against whisper-bench "decode time … per
#     run" (256 one-token decodes, n_past 0–255);
#   - load: "model … loaded in" of xdnactl (with the RSS right after) against
#     whisper-cli's "load time";
#   - end to end: wall time transcribing an E2E_SECONDS (600) s 16 kHz mono
#     WAV (jfk.wav repeated): `xdnactl transcribe --model M --beam-size 1
#     --best-of 1 --no-fallback F` with GOMAXPROCS=T against `whisper-cli -m M
#     -f F -t T -bs 1 -bo 1 -nf` (random weights: both decode nonsense, each
#     window up to its token limit; the token counts are not forced equal,
#     the table shows each side's);
#   - peak RSS transcribing jfk.wav (/usr/bin/time -v "Maximum resident set
#     size"), same commands.
# Ratios are ours / whisper.cpp's (goals: ≤ 0.6 for time, ≤ 1.1 for RSS).
# Prints one Markdown table. Run it on an idle machine.
#
#   scripts/bench-vs-whispercpp.sh              # the comparison
#   scripts/bench-vs-whispercpp.sh models DIR   # only write the model files (make bench)
#
# Environment: N rounds (3) for encoder, decoder, load and RSS; E2E_N rounds
# (1) end to end; E2E_SECONDS (600); DIMS ("tiny base"); TYPES ("f16 q8_0
# q5_0"); THREADS (2); BENCHTIME per round of our encoder benchmark (3x),
# DEC_BENCHTIME of our decoder-token benchmark (256x, whisper-bench's 256 runs);
# WHISPERCPP (../shared/tools/whispercpp/native; portable/ is used, and said,
# when native/ dies with SIGILL); KEEP=DIR keeps models, WAV and logs there.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
N=${N:-3}
E2E_N=${E2E_N:-1}
E2E_SECONDS=${E2E_SECONDS:-600}
DIMS=${DIMS:-"tiny base"}
TYPES=${TYPES:-"f16 q8_0 q5_0"}
THREADS=${THREADS:-2}
BENCHTIME=${BENCHTIME:-3x}
DEC_BENCHTIME=${DEC_BENCHTIME:-256x}
shared=$root/../shared
WHISPERCPP=${WHISPERCPP:-$shared/tools/whispercpp/native}
quantize=$shared/tools/whispercpp/portable/whisper-quantize
jfk=$shared/fixtures/whisper/jfk.wav

# models DIR: the model files DIMS × TYPES, reusing those already there.
# Quantized files come from whisper-quantize; without it, from mkmodel's own
# quantizer (same rules as ggml's, not guaranteed the same bytes), said on
# stderr.
models() {
  local dir=$1 d t
  mkdir -p "$dir"
  for d in $DIMS; do
    [ -s "$dir/$d-f16.bin" ] || go run ./whisper/whispertest/mkmodel -dims "$d" -type f16 -o "$dir/$d-f16.bin"
    for t in $TYPES; do
      [ "$t" = f16 ] && continue
      [ -s "$dir/$d-$t.bin" ] && continue
      if [ -x "$quantize" ]; then
        "$quantize" "$dir/$d-f16.bin" "$dir/$d-$t.bin" "$t" >"$dir/.quantize-$d-$t.log" 2>&1 ||
          { cat "$dir/.quantize-$d-$t.log" >&2; exit 1; }
      else
        echo "no $quantize: $d-$t.bin quantized by mkmodel instead" >&2
        go run ./whisper/whispertest/mkmodel -dims "$d" -type "$t" -o "$dir/$d-$t.bin"
      fi
    done
  done
}

if [ "${1:-}" = models ]; then
  [ $# -eq 2 ] || { echo "usage: $0 models DIR" >&2; exit 2; }
  models "$2"
  exit 0
fi
[ $# -eq 0 ] || { echo "usage: $0 [models DIR]" >&2; exit 2; }

if [ -n "${KEEP:-}" ]; then
  tmp=$KEEP
  mkdir -p "$tmp"
else
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
fi
for f in "$WHISPERCPP/whisper-bench" "$WHISPERCPP/whisper-cli" "$jfk" /usr/bin/time; do
  [ -e "$f" ] || { echo "missing $f" >&2; exit 1; }
done
models "$tmp/models"
# native/ is built for one CPU kind: where it dies with SIGILL (on the first
# model, since its start-up code runs anywhere), use portable/ and say so.
build=$(basename "$WHISPERCPP")
if [ "$build" = native ]; then
  set -- $DIMS
  set +e
  "$WHISPERCPP/whisper-bench" -m "$tmp/models/$1-f16.bin" -t "$THREADS" >/dev/null 2>&1
  rc=$?
  set -e
  if [ $rc -eq 132 ]; then
    echo "native/ whisper.cpp dies with SIGILL on this CPU: using portable/" >&2
    WHISPERCPP=$(dirname "$WHISPERCPP")/portable
    build="portable (native/ died with SIGILL here)"
  fi
fi
CGO_ENABLED=0 go build -trimpath -o "$tmp/xdnactl" ./cmd/xdnactl
go test -c -o "$tmp/whisper.test" ./whisper/

# The long WAV: jfk.wav's samples repeated to E2E_SECONDS s (16-bit mono 16 kHz).
python3 - "$jfk" "$tmp/long.wav" "$E2E_SECONDS" <<'EOF'
import sys, wave
src, dst, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3])
with wave.open(src) as r:
    assert (r.getnchannels(), r.getsampwidth(), r.getframerate()) == (1, 2, 16000), "jfk.wav is not 16-bit mono 16 kHz"
    pcm = r.readframes(r.getnframes())
want = seconds * 16000 * 2
with wave.open(dst, "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000)
    w.writeframes((pcm * (want // len(pcm) + 1))[:want])
EOF

now() { date +%s.%N; }
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (b != "" && (a == "" || b + 0 < a + 0)) ? b : a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "?"; else printf "%.2f×", a / b }'; }

rows=()
for d in $DIMS; do
  for t in $TYPES; do
    name=$d-$t
    m=$tmp/models/$name.bin
    enc_o='' enc_w='' dec_o='' dec_w='' load_o='' load_w='' rss_after='' e2e_o='' e2e_w='' rss_o='' rss_w='' runs_w='' toks_o=''
    for r in $(seq "$N"); do
      echo "== $name round $r/$N" >&2
      # Ours: the encoder (BENCHTIME windows), then DEC_BENCHTIME tokens.
      out=$(cd whisper && GOMAXPROCS=$THREADS XDNA_BENCH_MODELS=$tmp/models "$tmp/whisper.test" -test.run '^$' \
        -test.bench "BenchmarkFileEncoder/^$name\$" -test.benchtime "$BENCHTIME" &&
        GOMAXPROCS=$THREADS XDNA_BENCH_MODELS=$tmp/models "$tmp/whisper.test" -test.run '^$' \
        -test.bench "BenchmarkFileDecoderToken/^$name\$" -test.benchtime "$DEC_BENCHTIME") || echo "$name: our benchmarks failed" >&2
      echo "$out" >>"$tmp/ours-$name.log"
      v=$(echo "$out" | awk '/BenchmarkFileEncoder/ { for (i = 1; i < NF; i++) if ($(i+1) == "s/window") print $i }')
      enc_o=$(min "$enc_o" "$v")
      v=$(echo "$out" | awk '/BenchmarkFileDecoderToken/ { for (i = 1; i < NF; i++) if ($(i+1) == "ms/token") print $i }')
      dec_o=$(min "$dec_o" "$v")
      # whisper.cpp: one whisper-bench run gives both.
      out=$("$WHISPERCPP/whisper-bench" -m "$m" -t "$THREADS" 2>&1) || echo "$name: whisper-bench failed" >&2
      echo "$out" >>"$tmp/whispercpp-$name.log"
      v=$(echo "$out" | awk '/encode time/ { for (i = 1; i <= NF; i++) if ($i == "=") { printf "%.4f", $(i+1) / 1000; exit } }')
      enc_w=$(min "$enc_w" "$v")
      v=$(echo "$out" | awk '/decode time/ { for (i = 1; i <= NF; i++) if ($i == "(") { print $(i+1); exit } }')
      dec_w=$(min "$dec_w" "$v")
      # Load time and peak RSS on jfk.wav.
      out=$(GOMAXPROCS=$THREADS /usr/bin/time -v "$tmp/xdnactl" transcribe --model "$m" --beam-size 1 --best-of 1 --no-fallback "$jfk" 2>&1 >/dev/null) || echo "$name: xdnactl transcribe failed" >&2
      echo "$out" >>"$tmp/ours-$name.log"
      v=$(echo "$out" | sed -n 's/.* loaded in \([0-9.]*\)\(m\?s\) .*/\1 \2/p' | awk '{ print ($2 == "ms") ? $1 / 1000 : $1 }')
      load_o=$(min "$load_o" "$v")
      rss_after=$(min "$rss_after" "$(echo "$out" | sed -n "s/.*RSS \([0-9]*\) MiB after load.*/\1/p")")
      v=$(echo "$out" | awk '/Maximum resident set size/ { printf "%.1f", $NF / 1024 }')
      rss_o=$(min "$rss_o" "$v")
      out=$(/usr/bin/time -v "$WHISPERCPP/whisper-cli" -m "$m" -f "$jfk" -t "$THREADS" -bs 1 -bo 1 -nf 2>&1 >/dev/null) || echo "$name: whisper-cli failed" >&2
      echo "$out" >>"$tmp/whispercpp-$name.log"
      v=$(echo "$out" | awk '/load time/ { for (i = 1; i <= NF; i++) if ($i == "=") { printf "%.4f", $(i+1) / 1000; exit } }')
      load_w=$(min "$load_w" "$v")
      v=$(echo "$out" | awk '/Maximum resident set size/ { printf "%.1f", $NF / 1024 }')
      rss_w=$(min "$rss_w" "$v")
    done
    for r in $(seq "$E2E_N"); do
      echo "== $name end to end $r/$E2E_N ($E2E_SECONDS s)" >&2
      s=$(now)
      GOMAXPROCS=$THREADS "$tmp/xdnactl" transcribe --model "$m" --beam-size 1 --best-of 1 --no-fallback "$tmp/long.wav" >"$tmp/ours-$name.json" 2>>"$tmp/ours-$name.log" || echo "$name: xdnactl transcribe failed" >&2
      e=$(now)
      e2e_o=$(min "$e2e_o" "$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.2f", e - s }')")
      s=$(now)
      "$WHISPERCPP/whisper-cli" -m "$m" -f "$tmp/long.wav" -t "$THREADS" -bs 1 -bo 1 -nf >"$tmp/whispercpp-$name.txt" 2>"$tmp/whispercpp-$name.e2e.log" || echo "$name: whisper-cli failed" >&2
      e=$(now)
      e2e_w=$(min "$e2e_w" "$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.2f", e - s }')")
      # Tokens each side sampled: whisper-cli's decode runs; ours, the
      # tokens of our result's segments (timestamps included, as in
      # whisper.cpp's runs). With random weights the two may differ, and then
      # the ratio compares unequal work.
      toks_o=$(python3 -c 'import json, sys; print(sum(len(s.get("tokens", [])) for s in json.load(open(sys.argv[1])).get("segments", [])))' "$tmp/ours-$name.json" 2>/dev/null || echo '?')
      runs_w=$(awk '/decode time/ { for (i = 1; i <= NF; i++) if ($i == "runs") print $(i-1) }' "$tmp/whispercpp-$name.e2e.log")
    done
    rows+=("| $name | $enc_o s | $enc_w s | $(ratio "$enc_o" "$enc_w") | $dec_o ms | $dec_w ms | $(ratio "$dec_o" "$dec_w") | $load_o s ($rss_after MiB) | $load_w s | $e2e_o s (${toks_o:-?} tokens) | $e2e_w s (${runs_w:-?} tokens) | $(ratio "$e2e_o" "$e2e_w") | $rss_o MB | $rss_w MB | $(ratio "$rss_o" "$rss_w") |")
  done
done

echo
echo "whisper.cpp: $build build ($WHISPERCPP); $THREADS threads; best of $N rounds (end to end: $E2E_N, ${E2E_SECONDS} s WAV); $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%MZ); $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . 2>/dev/null || echo '+dirty')"
echo
echo "| file | encoder ours | whisper.cpp | ratio | decoder token ours | whisper.cpp | ratio | load ours (RSS after) | whisper.cpp | e2e ours | whisper-cli | ratio | peak RSS ours | whisper-cli | ratio |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
