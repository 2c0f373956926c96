#!/usr/bin/env bash
# Creates the secret files docker-compose.yml reads (deploy/secrets/, git-ignored). Compose mounts
# each file as it is on the host, and the services run as uid 10001: so the files are world-readable
# (0644) inside a folder only its owner can enter (0700), which keeps other host users out.
# Existing files are kept, so running it again never rotates anything (see docs/operators.md).
set -euo pipefail
cd "$(dirname "$0")/secrets"
chmod 700 .
umask 022
rand() { head -c 32 /dev/urandom | base64 | tr -d '/+=\n' | head -c 32; }
put() { [ -s "$1" ] || printf '%s' "$2" > "$1"; }
keep() { [ -e "$1" ] || : > "$1"; }

services=(agent-api webrtc-gateway session-store stt-gateway llm-router tts-gateway discord-connector plugin-supervisor)
stateful=(agent-api session-store llm-router discord-connector plugin-supervisor)

put postgres_password "$(rand)"
put admin_database_url "postgres://voxbridge_admin:$(cat postgres_password)@postgres:5432/voxbridge"
put encryption_key "k$(date -u +%Y%m%d):$(head -c 32 /dev/urandom | base64 | tr -d '\n')"
put bootstrap_admin_key "vbk_$(rand)$(rand)"
keep openrouter_api_key

[ -s nats_passwords ] || {
  for s in "${services[@]}" admin; do
    var="NATS_PASSWORD_$(echo "$s" | tr 'a-z-' 'A-Z_')"
    echo "$var: \"$(rand)\""
  done > nats_passwords
}
for s in "${services[@]}"; do
  var="NATS_PASSWORD_$(echo "$s" | tr 'a-z-' 'A-Z_')"
  pw=$(sed -n "s/^$var: \"\(.*\)\"$/\1/p" nats_passwords)
  put "nats_password_${s//-/_}" "$pw"
done
for s in "${stateful[@]}"; do
  schema=${s//-/_}
  put "database_url_$schema" "postgres://vb_$schema:$(rand)@postgres:5432/voxbridge"
done
echo "secrets in $(pwd): $(ls | wc -l) files (admin API key: deploy/secrets/bootstrap_admin_key)"
