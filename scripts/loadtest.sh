#!/usr/bin/env bash
# Runs a local fleet (bin/nats-server, bin/minio, N sim workers on loopback)
# and `xdnactl loadtest` at each concurrency level, printing a Markdown table.
#
#   make tools build && scripts/loadtest.sh [WORKERS] [JOBS] [LEVELS...]
#
# Environment: XDNA_SIM_WINDOW_MS (200), XDNA_SIM_CONTEXTS (4), AUDIO_SECONDS (5),
# and any worker setting (pool sizes...).
set -euo pipefail
cd "$(dirname "$0")/.."
workers=${1:-2}; jobs=${2:-400}; shift $(( $# > 2 ? 2 : $# )) || true
levels=("${@:-4 16 50}"); levels=(${levels[@]})
export XDNA_SIM_WINDOW_MS=${XDNA_SIM_WINDOW_MS:-200} XDNA_SIM_CONTEXTS=${XDNA_SIM_CONTEXTS:-4}
audio_seconds=${AUDIO_SECONDS:-5}
tmp=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

nport=$((20000 + RANDOM % 10000)); sport=$((nport + 1))
bin/nats-server -a 127.0.0.1 -p "$nport" --jetstream --store_dir "$tmp/nats" >"$tmp/nats.log" 2>&1 & pids+=($!)
MINIO_ROOT_USER=loadtest MINIO_ROOT_PASSWORD=loadtest-secret MINIO_BROWSER=off \
  bin/minio server "$tmp/minio" --address "127.0.0.1:$sport" --console-address "127.0.0.1:$((sport + 1))" >"$tmp/minio.log" 2>&1 & pids+=($!)
export NATS_URL="nats://127.0.0.1:$nport" S3_ENDPOINT="127.0.0.1:$sport" S3_ACCESS_KEY=loadtest S3_SECRET_KEY=loadtest-secret
for i in $(seq 1 50); do curl -sf "http://$S3_ENDPOINT/minio/health/ready" >/dev/null 2>&1 && break; sleep 0.2; done

for w in $(seq 1 "$workers"); do
  XDNA_DEVICE=sim WORKER_ID="w$w" HTTP_ADDR="127.0.0.1:$((sport + 10 + w))" LOG_FORMAT=json XDNA_TEMP_DIR="$tmp" \
    bin/xdna-worker >"$tmp/worker$w.log" 2>&1 & pids+=($!)
done
for w in $(seq 1 "$workers"); do
  for i in $(seq 1 100); do curl -sf "http://127.0.0.1:$((sport + 10 + w))/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
done

python3 -c "import wave,struct,math,sys; w=wave.open(sys.argv[1],'wb'); w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000); w.writeframes(b''.join(struct.pack('<h',int(12000*math.sin(2*math.pi*440*i/16000))) for i in range(16000*int(sys.argv[2])))); w.close()" "$tmp/audio.wav" "$audio_seconds"

ideal=$(awk -v w="$workers" -v c="$XDNA_SIM_CONTEXTS" -v ms="$XDNA_SIM_WINDOW_MS" 'BEGIN { printf "%.1f", w * c * 1000 / ms }')
echo "sim: $workers workers x $XDNA_SIM_CONTEXTS contexts / ${XDNA_SIM_WINDOW_MS} ms = ideal $ideal jobs/s; ${audio_seconds}s audio per job, $jobs jobs per level"
echo
echo "| concurrency | success | jobs/s | % of ideal | audio-s/s | p50 ms | p95 ms | p99 ms | queue wait p50 / p99 ms |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for c in "${levels[@]}"; do
  bin/xdnactl loadtest --concurrency "$c" --jobs "$jobs" --json "$tmp/audio.wav" >"$tmp/report.json" || true
  python3 - "$tmp/report.json" "$c" "$ideal" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); ideal = float(sys.argv[3])
print(f"| {sys.argv[2]} | {100*r['success_rate']:.1f} % | {r['jobs_per_s']:.1f} | {100*r['jobs_per_s']/ideal:.0f} % | {r['audio_s_per_s']:.0f} | "
      f"{r['latency']['p50_ms']:.0f} | {r['latency']['p95_ms']:.0f} | {r['latency']['p99_ms']:.0f} | {r['queue_wait']['p50_ms']:.0f} / {r['queue_wait']['p99_ms']:.0f} |")
PY
done
