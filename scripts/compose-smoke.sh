#!/usr/bin/env bash
# Brings the user-facing compose stack up with the locally built images
# (docker-compose.local.yml), sends one real job through it with xdnactl, and
# tears it down. Needs `make images` first. Used by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
project=xdna-smoke-$$
base=$((30000 + RANDOM % 20000))
export NATS_PORT=$base MINIO_PORT=$((base + 1)) WORKER_1_PORT=$((base + 2)) WORKER_2_PORT=$((base + 3)) GATEWAY_PORT=$((base + 4))
if docker compose version >/dev/null 2>&1; then dc=(docker compose); else dc=(docker-compose); fi
compose() { "${dc[@]}" -p "$project" -f docker-compose.yml -f docker-compose.local.yml "$@"; }
tmp=$(mktemp -d)
cleanup() {
  status=$?
  if [ $status -ne 0 ]; then compose logs --no-color --tail 40 || true; fi
  compose down -v --remove-orphans >/dev/null 2>&1 || true
  rm -rf "$tmp"
  exit $status
}
trap cleanup EXIT

compose up -d
echo "compose: waiting for both workers to answer /healthz"
for i in $(seq 1 90); do
  ok=0
  for p in "$WORKER_1_PORT" "$WORKER_2_PORT"; do
    HTTP_ADDR="127.0.0.1:$p" bin/xdna-worker healthcheck 2>/dev/null && ok=$((ok + 1))
  done
  [ $ok -eq 2 ] && break
  [ $i -eq 90 ] && { echo "workers not ready after 90 s"; exit 1; }
  sleep 1
done

python3 -c "import wave,struct,math,sys; w=wave.open(sys.argv[1],'wb'); w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000); w.writeframes(b''.join(struct.pack('<h',int(12000*math.sin(2*math.pi*440*i/16000))) for i in range(16000*3))); w.close()" "$tmp/smoke.wav"
export NATS_URL="nats://127.0.0.1:$NATS_PORT" S3_ENDPOINT="127.0.0.1:$MINIO_PORT"
# xdnactl submit also provisions the streams: it runs as the NATS admin
# (the publisher user may only publish jobs and read results).
export NATS_USER=admin NATS_PASSWORD=${XDNA_NATS_ADMIN_PASSWORD:-admin-dev-only}
export S3_ACCESS_KEY=${MINIO_ROOT_USER:-minioadmin} S3_SECRET_KEY=${MINIO_ROOT_PASSWORD:-minioadmin}
# A low-priority job; the upload below goes through the normal lane and the
# gateway's request through the high one, each routed by the workers as
# the least-privileged worker user.
bin/xdnactl submit --wait --priority low --timeout 2m "$tmp/smoke.wav" | tee "$tmp/result.json"
grep -q '"status":"succeeded"' "$tmp/result.json"
grep -q '"device":"sim"' "$tmp/result.json"
echo "compose smoke: one (low-priority) job through the stack: ok"

# An upload to the audio bucket becomes a job by itself (MinIO's NATS
# notifications), and its transcripts land next to it.
bin/xdnactl upload --wait --timeout 2m "$tmp/smoke.wav" audio/smoke/dropped.wav | tee "$tmp/upload.json"
grep -q '"status":"succeeded"' "$tmp/upload.json"
grep -q 'transcripts/smoke/dropped.wav.srt' "$tmp/upload.json"
echo "compose smoke: a file dropped into the audio bucket was transcribed: ok"

# Progress and cancellation from xdnactl: a 30-minute file (60 windows on
# the sim device) shows its progress bar, is cancelled while it runs, and
# ends failed with code canceled.
python3 -c "import wave,sys; w=wave.open(sys.argv[1],'wb'); w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000); w.writeframes(bytes(8000*2*1800)); w.close()" "$tmp/long.wav"
bin/xdnactl submit --wait --timeout 2m "$tmp/long.wav" >"$tmp/cancel.json" 2>"$tmp/cancel.err" &
submitted=$!
for i in $(seq 1 300); do grep -qs '% transcribe window' "$tmp/cancel.err" && break; sleep 0.1; done
cat "$tmp/cancel.err"
grep -q '% transcribe window' "$tmp/cancel.err" || { echo "no progress bar of the long job within 30 s"; exit 1; }
bin/xdnactl cancel "$(sed -n 's/.*: queued as \([^ ]*\)$/\1/p' "$tmp/cancel.err")"
if wait $submitted; then echo "the cancelled job succeeded"; exit 1; fi
grep -q '"code":"canceled"' "$tmp/cancel.json" || { cat "$tmp/cancel.json"; echo "the cancelled job did not end canceled"; exit 1; }
echo "compose smoke: progress bar shown, running job cancelled: ok"

# The OpenAI-compatible gateway answers a transcription (as the NATS
# publisher user and its own MinIO user).
for i in $(seq 1 60); do curl -sf "http://127.0.0.1:$GATEWAY_PORT/healthz" >/dev/null && break; sleep 1; done
curl -sS --fail-with-body -F file=@"$tmp/smoke.wav" -F model=whisper-1 "http://127.0.0.1:$GATEWAY_PORT/v1/audio/transcriptions" | tee "$tmp/gateway.json"
echo
grep -q '^{"text":' "$tmp/gateway.json"
echo "compose smoke: a transcription through the gateway: ok"

# Ports are published on 127.0.0.1 only.
for p in "$NATS_PORT" "$MINIO_PORT" "$WORKER_1_PORT" "$GATEWAY_PORT"; do
  if docker ps --format '{{.Ports}}' --filter "label=com.docker.compose.project=$project" | tr ',' '\n' | grep -- "->" | grep ":$p->" | grep -vq '^ *127\.0\.0\.1:'; then
    echo "port $p is published beyond 127.0.0.1"; exit 1
  fi
done
echo "compose smoke: every published port is bound to 127.0.0.1: ok"
