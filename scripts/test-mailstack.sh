#!/usr/bin/env bash
# scripts/test-mailstack.sh — proves scripts/mailstack with real clients (curl).
#
# Brings the stack up, then checks every promise the stack makes to Kontakt's
# tests: TLS from the throwaway CA, MOVE on one IMAP port and not the other,
# submission with AUTH after STARTTLS, the MX port, the special failure addresses,
# the bounce domain's DSN, stop/start of single services, down/up, stale state.
# Prints one PASS/FAIL line per check and exits non-zero if any check failed.
# Leaves the stack running.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STACK=$SCRIPT_DIR/mailstack

FAILURES=0
CHECKS=0
pass() {
  CHECKS=$((CHECKS + 1))
  printf 'PASS  %s\n' "$1"
}
fail() {
  CHECKS=$((CHECKS + 1))
  FAILURES=$((FAILURES + 1))
  printf 'FAIL  %s\n' "$1"
  [[ -z ${2:-} ]] || printf '      %s\n' "${2//$'\n'/$'\n'      }"
}
# check NAME COMMAND...: PASS when the command succeeds.
check() {
  local name=$1 out
  shift
  if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$(tail -n 8 <<<"$out")"; fi
}
# check_fails NAME COMMAND...: PASS when the command fails.
check_fails() {
  local name=$1 out
  shift
  if out=$("$@" 2>&1); then fail "$name" "command unexpectedly succeeded: $(tail -n 4 <<<"$out")"; else pass "$name"; fi
}

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

echo "== bring the stack up"
if ! "$STACK" up; then
  echo "FAIL  scripts/mailstack up"
  exit 1
fi
pass "scripts/mailstack up"
eval "$("$STACK" env)"
PASSWORD=$(<"$KONTAKT_STACK_PASSWORD_FILE")
CA=$KONTAKT_STACK_CA

# Unique mailboxes per run, so earlier runs' mail never makes a check pass.
RUN=$(date +%s)-$$
SENDER=kontakt-$RUN@kommun.example.se
RESIDENT=anna-$RUN@example.se

check "status exits 0 when both run" "$STACK" status
check "env file written by up" test -s "$KONTAKT_STACK_DIR/env"
check "password file has mode 0600" test "$(stat -c %a "$KONTAKT_STACK_PASSWORD_FILE")" = 600
check "CA exists at \$DIR/tls/ca.pem" test "$CA" = "$KONTAKT_STACK_DIR/tls/ca.pem" -a -s "$CA"
check "server cert verifies against the CA" openssl verify -CAfile "$CA" "$KONTAKT_STACK_DIR/tls/server.pem"
env_names=$("$STACK" env | sed -n 's/^export \([A-Z_]*\)=.*/\1/p' | sort | tr '\n' ' ')
expected_names="KONTAKT_STACK_CA KONTAKT_STACK_DIR KONTAKT_STACK_IMAPS_PORT KONTAKT_STACK_IMAP_NOMOVE_PORT KONTAKT_STACK_IMAP_PORT KONTAKT_STACK_LMTP_PORT KONTAKT_STACK_PASSWORD_FILE KONTAKT_STACK_SMTPS_PORT KONTAKT_STACK_SMTP_PORT KONTAKT_STACK_SUBMISSION_PORT "
if [[ $env_names == "$expected_names" ]]; then pass "env prints every variable"; else fail "env prints every variable" "got: $env_names"; fi

# ---------------------------------------------------------------------------
imap() { # imap USER URL-PATH [curl args...]
  local user=$1 path=$2
  shift 2
  curl -sS --max-time 20 --cacert "$CA" --ssl-reqd -u "$user:$PASSWORD" \
    "imap://127.0.0.1:$KONTAKT_STACK_IMAP_PORT/$path" "$@"
}
capability() { # capability PORT
  curl -sS --max-time 20 --cacert "$CA" --ssl-reqd -u "$RESIDENT:$PASSWORD" \
    "imap://127.0.0.1:$1/" -X CAPABILITY
}
# Waits until USER's INBOX has a message matching the IMAP SEARCH key (URL-encoded).
wait_for_mail() {
  local user=$1 search=$2 deadline=$((SECONDS + 20)) out
  while ((SECONDS < deadline)); do
    out=$(imap "$user" "INBOX?$search" 2>&1 || true)
    if [[ $out =~ \*\ SEARCH\ [0-9] ]]; then return 0; fi
    sleep 0.5
  done
  printf 'no message matching %s in INBOX after 20s; last answer: %s\n' "$search" "$out"
  return 1
}
message() { # message FILE SUBJECT [BODY-EXTRA]
  printf 'From: Kontakt test <%s>\r\nTo: <%s>\r\nSubject: %s\r\nMessage-ID: <%s@kontakt.test>\r\nDate: %s\r\n\r\nMarker %s.\r\n' \
    "$SENDER" "$RESIDENT" "$2" "$2" "$(date -R)" "$2" >"$1"
}
submit() { # submit FROM RCPT FILE [extra curl args]: via submission with STARTTLS + AUTH
  local from=$1 rcpt=$2 file=$3
  shift 3
  curl -sS -v --max-time 60 --cacert "$CA" --ssl-reqd -u "$from:$PASSWORD" \
    "smtp://127.0.0.1:$KONTAKT_STACK_SUBMISSION_PORT" \
    --mail-from "$from" --mail-rcpt "$rcpt" -T "$file" "$@" 2>&1
}
mx() { # mx FROM RCPT FILE: unauthenticated, as another mail server would
  curl -sS -v --max-time 60 "smtp://127.0.0.1:$KONTAKT_STACK_SMTP_PORT" \
    --mail-from "$1" --mail-rcpt "$2" -T "$3" 2>&1
}
# expect_reply NAME CODE COMMAND...: the command fails and the server said CODE.
expect_reply() {
  local name=$1 code=$2 out
  shift 2
  if out=$("$@" 2>&1); then
    fail "$name" "accepted, expected $code"
  elif grep -q "^< $code " <<<"$out"; then
    pass "$name"
  else
    fail "$name" "expected $code; server said: $(grep '^< [45]' <<<"$out" | tail -n 2)"
  fi
}

echo "== IMAP"
cap=$(capability "$KONTAKT_STACK_IMAP_PORT" 2>&1 || true)
if [[ " $cap " == *" MOVE "* && $cap == *UIDPLUS* ]]; then pass "IMAP $KONTAKT_STACK_IMAP_PORT: CAPABILITY after login lists MOVE"; else fail "IMAP $KONTAKT_STACK_IMAP_PORT: CAPABILITY after login lists MOVE" "$cap"; fi
cap=$(capability "$KONTAKT_STACK_IMAP_NOMOVE_PORT" 2>&1 || true)
if [[ $cap == *"CAPABILITY IMAP4rev1"* && " $cap " != *" MOVE "* && $cap == *" UIDPLUS "* ]]; then
  pass "IMAP $KONTAKT_STACK_IMAP_NOMOVE_PORT: CAPABILITY lacks MOVE, keeps UIDPLUS"
else
  fail "IMAP $KONTAKT_STACK_IMAP_NOMOVE_PORT: CAPABILITY lacks MOVE, keeps UIDPLUS" "$cap"
fi
check "IMAPS $KONTAKT_STACK_IMAPS_PORT: implicit TLS login" \
  curl -sS --max-time 20 --cacert "$CA" -u "$RESIDENT:$PASSWORD" "imaps://127.0.0.1:$KONTAKT_STACK_IMAPS_PORT/" -X NOOP
check_fails "IMAP: wrong password is refused" \
  curl -sS --max-time 20 --cacert "$CA" --ssl-reqd -u "$RESIDENT:wrong-$PASSWORD" "imap://127.0.0.1:$KONTAKT_STACK_IMAP_PORT/" -X NOOP
check_fails "IMAP: login without TLS is refused (LOGINDISABLED)" \
  curl -sS --max-time 20 -u "$RESIDENT:$PASSWORD" "imap://127.0.0.1:$KONTAKT_STACK_IMAP_PORT/" -X NOOP
rc=0
curl -sS --max-time 20 --ssl-reqd -u "$RESIDENT:$PASSWORD" "imap://127.0.0.1:$KONTAKT_STACK_IMAP_PORT/" -X NOOP >/dev/null 2>&1 || rc=$?
if ((rc == 60)); then pass "IMAP: certificate is not trusted without --cacert (curl exit 60)"; else fail "IMAP: certificate is not trusted without --cacert (curl exit 60)" "curl exit $rc"; fi
rc=0
curl -sS --max-time 20 --cacert "$CA" --ssl-reqd -u "$RESIDENT:$PASSWORD" "imap://localhost:$KONTAKT_STACK_IMAP_PORT/" -X NOOP >/dev/null 2>&1 || rc=$?
if ((rc == 0)); then pass "IMAP: certificate valid for host name localhost"; else fail "IMAP: certificate valid for host name localhost" "curl exit $rc"; fi

echo "== SMTP"
message "$WORK/sub.eml" "sub-$RUN"
out=$(submit "$SENDER" "$RESIDENT" "$WORK/sub.eml" || true)
if grep -q '^< 250 2.0.0 Ok: queued' <<<"$out"; then pass "submission $KONTAKT_STACK_SUBMISSION_PORT: STARTTLS + AUTH + send accepted"; else fail "submission $KONTAKT_STACK_SUBMISSION_PORT: STARTTLS + AUTH + send accepted" "$(grep '^< [245]' <<<"$out" | tail -n 3)"; fi
check "submission: message arrives in the recipient's INBOX over LMTP" wait_for_mail "$RESIDENT" "SUBJECT%20sub-$RUN"
body=$(imap "$RESIDENT" "INBOX;UID=1" 2>&1 || true)
if [[ $body == *"Marker sub-$RUN."* ]]; then pass "IMAP: fetch the delivered message by UID"; else fail "IMAP: fetch the delivered message by UID" "$(head -c 300 <<<"$body")"; fi

message "$WORK/smtps.eml" "smtps-$RUN"
check "smtps $KONTAKT_STACK_SMTPS_PORT: implicit TLS + AUTH + send accepted" \
  curl -sS --max-time 60 --cacert "$CA" -u "$SENDER:$PASSWORD" "smtps://127.0.0.1:$KONTAKT_STACK_SMTPS_PORT" \
  --mail-from "$SENDER" --mail-rcpt "$RESIDENT" -T "$WORK/smtps.eml"
check "smtps: message arrives" wait_for_mail "$RESIDENT" "SUBJECT%20smtps-$RUN"

message "$WORK/noauth.eml" "noauth-$RUN"
check_fails "submission: sending without AUTH is refused" \
  curl -sS --max-time 20 --cacert "$CA" --ssl-reqd "smtp://127.0.0.1:$KONTAKT_STACK_SUBMISSION_PORT" \
  --mail-from "$SENDER" --mail-rcpt "$RESIDENT" -T "$WORK/noauth.eml"
check_fails "submission: AUTH without STARTTLS is refused" \
  curl -sS --max-time 20 -u "$SENDER:$PASSWORD" "smtp://127.0.0.1:$KONTAKT_STACK_SUBMISSION_PORT" \
  --mail-from "$SENDER" --mail-rcpt "$RESIDENT" -T "$WORK/noauth.eml"
check_fails "submission: wrong password is refused" \
  curl -sS --max-time 20 --cacert "$CA" --ssl-reqd -u "$SENDER:wrong-$PASSWORD" "smtp://127.0.0.1:$KONTAKT_STACK_SUBMISSION_PORT" \
  --mail-from "$SENDER" --mail-rcpt "$RESIDENT" -T "$WORK/noauth.eml"
rc=0
curl -sS --max-time 20 --ssl-reqd -u "$SENDER:$PASSWORD" "smtp://127.0.0.1:$KONTAKT_STACK_SUBMISSION_PORT" \
  --mail-from "$SENDER" --mail-rcpt "$RESIDENT" -T "$WORK/noauth.eml" >/dev/null 2>&1 || rc=$?
if ((rc == 60)); then pass "submission: certificate is not trusted without --cacert (curl exit 60)"; else fail "submission: certificate is not trusted without --cacert (curl exit 60)" "curl exit $rc"; fi

message "$WORK/mx.eml" "mx-$RUN"
out=$(mx "resident@elsewhere.example.net" "$SENDER" "$WORK/mx.eml" || true)
if grep -q '^< 250-STARTTLS' <<<"$out" && grep -q '^< 250 2.0.0 Ok: queued' <<<"$out"; then
  pass "MX $KONTAKT_STACK_SMTP_PORT: unauthenticated mail for a local domain accepted, STARTTLS offered"
else
  fail "MX $KONTAKT_STACK_SMTP_PORT: unauthenticated mail for a local domain accepted, STARTTLS offered" "$(grep '^< [245]' <<<"$out" | tail -n 4)"
fi
check "MX: message arrives in the local mailbox" wait_for_mail "$SENDER" "SUBJECT%20mx-$RUN"
if grep -q '^< 250-AUTH' <<<"$out"; then fail "MX: AUTH not offered" "AUTH advertised"; else pass "MX: AUTH not offered"; fi
expect_reply "MX: relaying to a foreign domain is refused with 554" 554 mx "$SENDER" "someone@elsewhere.example.net" "$WORK/mx.eml"

echo "== failure addresses"
message "$WORK/fail.eml" "fail-$RUN"
expect_reply "submission: avvisad@kommun.example.se rejected at RCPT with 550" 550 submit "$SENDER" avvisad@kommun.example.se "$WORK/fail.eml"
expect_reply "MX: avvisad@kommun.example.se rejected at RCPT with 550" 550 mx "$RESIDENT" avvisad@kommun.example.se "$WORK/fail.eml"
expect_reply "submission: uppskjuten@kommun.example.se deferred at RCPT with 450" 450 submit "$SENDER" uppskjuten@kommun.example.se "$WORK/fail.eml"
expect_reply "MX: uppskjuten@kommun.example.se deferred at RCPT with 450" 450 mx "$RESIDENT" uppskjuten@kommun.example.se "$WORK/fail.eml"
message "$WORK/bounce.eml" "bounce-$RUN"
out=$(submit "$SENDER" "x-$RUN@studsar.example.se" "$WORK/bounce.eml" || true)
if grep -q '^< 250 2.0.0 Ok: queued' <<<"$out"; then pass "submission: x@studsar.example.se accepted"; else fail "submission: x@studsar.example.se accepted" "$(grep '^< [245]' <<<"$out" | tail -n 3)"; fi
check "bounce: a DSN from MAILER-DAEMON arrives in the sender's INBOX" wait_for_mail "$SENDER" "FROM%20MAILER-DAEMON%20TEXT%20bounce-$RUN"
dsn_uid=$(imap "$SENDER" "INBOX?FROM%20MAILER-DAEMON%20TEXT%20bounce-$RUN" 2>/dev/null | sed -n 's/^\* SEARCH \([0-9]*\).*/\1/p' | tr -d '\r')
dsn=$(imap "$SENDER" "INBOX;UID=${dsn_uid:-0}" 2>&1 || true)
if [[ $dsn == *"multipart/report"* && $dsn == *"report-type=delivery-status"* && $dsn == *"Status: 5.1.1"* ]]; then
  pass "bounce: the DSN is a multipart/report with Status: 5.1.1"
else
  fail "bounce: the DSN is a multipart/report with Status: 5.1.1" "$(head -c 400 <<<"$dsn")"
fi

echo "== large message (25 MB)"
{
  printf 'From: <%s>\r\nTo: <%s>\r\nSubject: big-%s\r\nMIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n' "$SENDER" "$RESIDENT" "$RUN"
  head -c $((19 * 1024 * 1024)) /dev/urandom | base64 -w 76 | sed 's/$/\r/'
} >"$WORK/big.eml"
size=$(stat -c %s "$WORK/big.eml")
out=$(submit "$SENDER" "$RESIDENT" "$WORK/big.eml" || true)
if grep -q '^< 250 2.0.0 Ok: queued' <<<"$out"; then pass "submission: $((size / 1024 / 1024)) MB message accepted"; else fail "submission: $((size / 1024 / 1024)) MB message accepted" "$(grep '^< [245]' <<<"$out" | tail -n 3)"; fi
check "large message arrives" wait_for_mail "$RESIDENT" "SUBJECT%20big-$RUN%20LARGER%20$((size - 100))"

echo "== stop/start single services"
check "stop postfix" "$STACK" stop postfix
check_fails "status exits non-zero with postfix stopped" "$STACK" status
check_fails "submission port closed while postfix is stopped" timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$KONTAKT_STACK_SUBMISSION_PORT"
check "IMAP still works while postfix is stopped" imap "$RESIDENT" "" -X NOOP
check "start postfix" "$STACK" start postfix
message "$WORK/after.eml" "after-postfix-$RUN"
check "submission works after start postfix" submit "$SENDER" "$RESIDENT" "$WORK/after.eml"
check "mail arrives after start postfix" wait_for_mail "$RESIDENT" "SUBJECT%20after-postfix-$RUN"

check "stop dovecot" "$STACK" stop dovecot
check_fails "IMAP port closed while dovecot is stopped" timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$KONTAKT_STACK_IMAP_PORT"
message "$WORK/queued.eml" "queued-$RUN"
# (Submission needs Dovecot for AUTH, so play the MX here.)
out=$(mx "resident@elsewhere.example.net" "$RESIDENT" "$WORK/queued.eml" || true)
if grep -q '^< 250 2.0.0 Ok: queued' <<<"$out"; then pass "MX still accepts while dovecot is down (mail waits in the queue)"; else fail "MX still accepts while dovecot is down (mail waits in the queue)" "$(grep '^< [245]' <<<"$out" | tail -n 3)"; fi
check_fails "submission AUTH fails while dovecot is down" submit "$SENDER" "$RESIDENT" "$WORK/queued.eml"
check "start dovecot" "$STACK" start dovecot
# Postfix retries deferred mail on its own schedule; flush to make the test quick.
postfix -c "$KONTAKT_STACK_DIR/postfix" flush >/dev/null 2>&1 || true
check "mail queued during the outage arrives after start dovecot" wait_for_mail "$RESIDENT" "SUBJECT%20queued-$RUN"

echo "== down/up, idempotence, stale state"
check "down" "$STACK" down
check_fails "status exits non-zero after down" "$STACK" status
check "state folder kept after down" test -s "$KONTAKT_STACK_DIR/password"
check "up after down" "$STACK" up
check "earlier mail survives down/up" wait_for_mail "$RESIDENT" "SUBJECT%20sub-$RUN"
start=$(date +%s%N)
check "up while running" "$STACK" up
ms=$((($(date +%s%N) - start) / 1000000))
if ((ms < 2000)); then pass "up while running is fast (${ms} ms)"; else fail "up while running is fast" "${ms} ms"; fi

# Simulate a crash: SIGKILL both masters, leaving pid files and sockets behind.
kill -KILL "$(cat "$KONTAKT_STACK_DIR/run/dovecot/master.pid")" "$(tr -d ' ' <"$KONTAKT_STACK_DIR/postfix-queue/pid/master.pid")" 2>/dev/null || true
sleep 0.5
check_fails "status exits non-zero after both masters were killed" "$STACK" status
check "up from stale state (killed masters, leftover pid files)" "$STACK" up
message "$WORK/stale.eml" "stale-$RUN"
check "submission works after stale-state up" submit "$SENDER" "$RESIDENT" "$WORK/stale.eml"
check "mail arrives after stale-state up" wait_for_mail "$RESIDENT" "SUBJECT%20stale-$RUN"
check "restart" "$STACK" restart
check "status exits 0 at the end" "$STACK" status

echo
if ((FAILURES == 0)); then
  echo "ALL $CHECKS CHECKS PASSED"
else
  echo "$FAILURES OF $CHECKS CHECKS FAILED"
  exit 1
fi
