#!/usr/bin/env bash
# Send benchmark for BENCHMARKS.md "## Sending": `kontakt send` (one libcurl SMTP connection for the
# batch, attachments streamed from disk) against msmtp (one process, TLS handshake and AUTH per
# message) sending the same messages through the local Postfix of scripts/mailstack.
#
#   scripts/bench-send.sh [COUNT] [SIZE_MB]      defaults: 400 messages with a 2 MB attachment each
#
# Needs the stack up with its settings exported (scripts/mailstack up; eval "$(scripts/mailstack env)")
# and msmtp installed. BUILD=debug uses .build/debug instead of building release binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT="${1:-400}"
SIZE_MB="${2:-2}"
BUILD="${BUILD:-release}"
: "${KONTAKT_STACK_DIR:?run scripts/mailstack up and eval \"\$(scripts/mailstack env)\" first}"
command -v msmtp >/dev/null || { echo "bench-send: msmtp is not installed (apt-get install msmtp)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench-send: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }

if [ "$BUILD" = release ]; then
  swift build -c release --product kontakt >/dev/null
  swift build -c release --product kontakt-bench >/dev/null
fi
BIN=".build/$BUILD"
DIR="$(mktemp -d "${TMPDIR:-/tmp}/kontakt-bench-send.XXXXXX")"
trap 'rm -rf "$DIR"' EXIT
RUN="bench$(date +%s)"
SENDER="avsandare-$RUN@kommun.example.se"
RECIPIENTS=()
for i in 1 2 3 4; do RECIPIENTS+=("mottagare$i-$RUN@foretag.example.se"); done
PASSWORD_FILE="$KONTAKT_STACK_PASSWORD_FILE"

cat >"$DIR/kontakt.toml" <<TOML
[imap]
url = "imap://127.0.0.1:${KONTAKT_STACK_IMAP_PORT}/INBOX"
username = "$SENDER"
password_file = "$PASSWORD_FILE"

[smtp]
url = "smtp://127.0.0.1:${KONTAKT_STACK_SUBMISSION_PORT}"
username = "$SENDER"
password_file = "$PASSWORD_FILE"

[identity]
address = "$SENDER"
name = "Kommundirektören"

[store]
path = "$DIR/kontakt.sqlite"

[tls]
ca_file = "$KONTAKT_STACK_CA"
TOML

cat >"$DIR/msmtprc" <<RC
account bench
host 127.0.0.1
port ${KONTAKT_STACK_SUBMISSION_PORT}
tls on
tls_starttls on
tls_trust_file $KONTAKT_STACK_CA
auth plain
user $SENDER
passwordeval "cat $PASSWORD_FILE"
from $SENDER
account default : bench
RC
chmod 600 "$DIR/msmtprc"

echo "== queueing $COUNT messages with ${SIZE_MB} MB attachments"
"$BIN/kontakt-bench" send-queue "$DIR/kontakt.toml" "$COUNT" $((SIZE_MB * 1024 * 1024)) "$DIR/files" "${RECIPIENTS[@]}"

measure() { # label, command...
  local label=$1; shift
  /usr/bin/time -v "$@" 2>"$DIR/time.txt" >/dev/null || { cat "$DIR/time.txt" >&2; exit 1; }
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$DIR/time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$DIR/time.txt")
  printf '%-8s messages=%d size_mb=%d wall=%s peak_rss_kb=%s\n' "$label" "$COUNT" "$SIZE_MB" "$wall" "$rss"
}

measure kontakt "$BIN/kontakt" --config "$DIR/kontakt.toml" send
measure msmtp bash -c 'for f in "$1"/*.eml; do msmtp -C "$2" -t <"$f" || exit 1; done' _ "$DIR/files/eml" "$DIR/msmtprc"

left=$(sqlite3 "$DIR/kontakt.sqlite" "SELECT COUNT(*) FROM outbox WHERE state != 'sent'" 2>/dev/null || echo "?")
echo "kontakt outbox entries not sent: $left"
