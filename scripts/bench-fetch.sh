#!/usr/bin/env bash
# Fetch benchmark for BENCHMARKS.md "## Fetching": Kontakt's poller (both fetch modes) against
# mbsync, getmail6 and a raw one-command dump, each fetching its own identical copy of one
# seeded mailbox from the private Dovecot (scripts/mailstack).
#
#   scripts/bench-fetch.sh                      10,000 messages, 2 KB-2 MB log-uniform (~3 GB)
#   BENCH_N=1000 scripts/bench-fetch.sh         smaller corpus
#   BENCH_FETCHERS="raw kontakt-single" ...     a subset (raw kontakt-single kontakt-batch mbsync getmail)
#   BENCH_NOOP_POLLS=5                          how many "nothing new" polls to time afterwards
#   BENCH_BIN=/path/to/kontakt                  skip the release build and use this binary
#
# The stack runs on the ports in KONTAKT_STACK_*_PORT (default: block 20xxx, so it does not clash
# with the test stacks on 14xxx) with its state in KONTAKT_STACK_DIR (default var/mailstack).
# Figures go to var/bench-fetch/results.{md,tsv} (BENCH_OUT to change). Needs root (the stack does).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD

N=${BENCH_N:-10000}
SEED=${BENCH_SEED:-20261207}
FETCHERS=${BENCH_FETCHERS:-"raw kontakt-single kontakt-batch mbsync getmail"}
NOOP_POLLS=${BENCH_NOOP_POLLS:-5}
OUT=${BENCH_OUT:-$REPO/var/bench-fetch}
export KONTAKT_STACK_IMAP_PORT=${KONTAKT_STACK_IMAP_PORT:-20143}
export KONTAKT_STACK_IMAPS_PORT=${KONTAKT_STACK_IMAPS_PORT:-20993}
export KONTAKT_STACK_IMAP_NOMOVE_PORT=${KONTAKT_STACK_IMAP_NOMOVE_PORT:-20144}
export KONTAKT_STACK_LMTP_PORT=${KONTAKT_STACK_LMTP_PORT:-20024}
export KONTAKT_STACK_SMTP_PORT=${KONTAKT_STACK_SMTP_PORT:-20025}
export KONTAKT_STACK_SUBMISSION_PORT=${KONTAKT_STACK_SUBMISSION_PORT:-20587}
export KONTAKT_STACK_SMTPS_PORT=${KONTAKT_STACK_SMTPS_PORT:-20465}

say() { printf 'bench-fetch: %s\n' "$*" >&2; }
now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$(now)"; }

# 0. Room on disk: the corpus, plus what each writing fetcher stores (a copy of it each, in
#    $OUT, kept for inspection until the next run). A full disk made Postfix refuse mail
#    ("452 Insufficient system storage") to every test run afterwards, so refuse up front.
rm -rf "$OUT"
mkdir -p "$OUT"
writers=$(wc -w <<<"${FETCHERS//raw/}")
need_kb=$((N * 310 * (writers + 1) * 12 / 10))
free_kb=$(df --output=avail -k "$OUT" | tail -1)
if ((free_kb < need_kb)); then
  say "needs about $((need_kb / 1048576 + 1)) GB free for $OUT (has $((free_kb / 1048576)) GB): free some space or set BENCH_OUT"
  exit 1
fi

# 1. The stack.
scripts/mailstack up >&2
eval "$(scripts/mailstack env)"
HOST=127.0.0.1
CA=$KONTAKT_STACK_CA
PASSWORD_FILE=$KONTAKT_STACK_PASSWORD_FILE
DOMAIN_DIR=$KONTAKT_STACK_DIR/mail/example.org
MAIL_OWNER=$(stat -c %u:%g "$KONTAKT_STACK_DIR/mail")

# 2. Kontakt, release build.
if [[ -n ${BENCH_BIN:-} ]]; then
  BIN=$BENCH_BIN
elif [[ " $FETCHERS " == *" kontakt-"* ]]; then
  say "building kontakt (release)"
  swift build -c release --product kontakt >&2
  BIN="$(swift build -c release --product kontakt --show-bin-path)/kontakt"
fi

# 3. The corpus: written straight into the source user's Maildir (as Dovecot's LDA would
#    write it), then indexed by one IMAP session, so no fetcher pays for first-time indexing.
rm -rf "$OUT" "$DOMAIN_DIR"/fetchbench-*
mkdir -p "$OUT"
SRC=$DOMAIN_DIR/fetchbench-source/Maildir
t0=$(now)
python3 scripts/bench-fetch.py generate "$SRC" "$N" "$SEED" | tee "$OUT/corpus.txt" >&2
chown -R "$MAIL_OWNER" "$DOMAIN_DIR"
generate_s=$(elapsed "$t0")
t0=$(now)
python3 scripts/bench-fetch.py index $HOST "$KONTAKT_STACK_IMAP_PORT" fetchbench-source@example.org "$PASSWORD_FILE" "$CA"
index_s=$(elapsed "$t0")
say "corpus: $N messages, $(du -sh "$SRC" | cut -f1); written in ${generate_s}s, indexed by Dovecot in ${index_s}s"

# Every fetcher gets its own user holding the same mailbox: message files hard-linked (they are
# never rewritten, only renamed when flags change), Dovecot's index and uidlist copied, so all
# start from identical state and none sees another's flag changes.
copy_mailbox() {
  local dst=$DOMAIN_DIR/fetchbench-$1/Maildir
  mkdir -p "$(dirname "$dst")"
  cp -al "$SRC" "$dst"
  find "$dst" -maxdepth 1 -type f -name 'dovecot*' | while read -r f; do
    rm "$f"; cp -p "$SRC/${f##*/}" "$f"
  done
  chown -R "$MAIL_OWNER" "$(dirname "$dst")"
}

# /usr/bin/time -v: wall seconds, user+system CPU seconds, peak RSS in MB.
timed() {
  local name=$1; shift
  /usr/bin/time -v -o "$OUT/$name.time" "$@"
}
time_field() { sed -n "s/^[[:space:]]*$2: //p" "$OUT/$1.time"; }
wall_of() {
  time_field "$1" "Elapsed (wall clock) time (h:mm:ss or m:ss)" |
    awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }'
}
cpu_of() { python3 -c "import sys; print(f'{float(sys.argv[1]) + float(sys.argv[2]):.1f}')" "$(time_field "$1" "User time (seconds)")" "$(time_field "$1" "System time (seconds)")"; }
rss_of() { echo $(($(time_field "$1" "Maximum resident set size (kbytes)") / 1024)); }

count_files() { find "$@" -type f | wc -l; }

kontakt_config() {
  local dir=$1 mode=$2
  mkdir -p "$dir"
  cat >"$dir/kontakt.toml" <<EOF
[imap]
url = "imap://$HOST:$KONTAKT_STACK_IMAP_PORT/INBOX"
username = "fetchbench-kontakt-$mode@example.org"
password_file = "$PASSWORD_FILE"
after_fetch = "leave"
fetch_mode = "$mode"

[smtp]
url = "smtp://$HOST:$KONTAKT_STACK_SUBMISSION_PORT"
username = "fetchbench-kontakt-$mode@example.org"
password_file = "$PASSWORD_FILE"

[identity]
address = "kontakt@kommun.example.se"
name = "Kommundirektören"
signature = "Med vänliga hälsningar\\nKommundirektören"

[store]
path = "$dir/kontakt.sqlite"

[routing]
training_dir = "$REPO/etc/training"
topics_file = "$REPO/etc/topics.toml"
internal_domains = ["kommun.example.se"]

[acknowledgement]
enabled = false

[templates]
dir = "$REPO/templates"

[tls]
ca_file = "$CA"
EOF
}

declare -A STORED WRITES
run_fetcher() {
  local name=$1
  copy_mailbox "$name"
  local user=fetchbench-$name@example.org dir=$OUT/$name
  mkdir -p "$dir"
  # Each fetcher starts with no dirty pages of the corpus or of the fetcher before it waiting to
  # be written back, so none pays for another's writes; and with the same free memory and the
  # corpus in the page cache: what the fetchers before it wrote is dropped from the cache and the
  # corpus read back in. Without this a fetcher that writes 3 GB paid for reclaiming the cache the
  # one before it filled (measured: Kontakt's system time doubled, 5 s -> 10-12 s, when run after
  # other benchmarks had filled memory), and the later a fetcher ran, the more it paid.
  sync
  echo 1 >/proc/sys/vm/drop_caches
  cat "$SRC"/cur/* "$SRC"/dovecot* >/dev/null
  say "fetching with $name"
  case $name in
    raw)
      timed raw python3 scripts/bench-fetch.py raw $HOST "$KONTAKT_STACK_IMAP_PORT" "$user" "$PASSWORD_FILE" "$CA" >"$dir/out.txt"
      STORED[$name]=$(sed -n 's/.*messages=\([0-9]*\).*/\1/p' "$dir/out.txt")
      WRITES[$name]="nothing (reads and discards)"
      ;;
    kontakt-single | kontakt-batch)
      local mode=${name#kontakt-}
      kontakt_config "$dir" "$mode"
      timed "$name" "$BIN" --config "$dir/kontakt.toml" poll --json >"$dir/poll.json"
      STORED[$name]=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['stored'])" "$dir/poll.json")
      WRITES[$name]="SQLite: store (WAL) + raw file written once; raw + parsed + threaded"
      ;;
    mbsync)
      mkdir -p "$dir/mail"
      cat >"$dir/mbsyncrc" <<EOF
IMAPAccount far
Host localhost
Port $KONTAKT_STACK_IMAP_PORT
User $user
PassCmd "cat $PASSWORD_FILE"
SSLType STARTTLS
CertificateFile $CA

IMAPStore far
Account far

MaildirStore near
Path $dir/mail/
Inbox $dir/mail/INBOX

Channel bench
Far :far:INBOX
Near :near:INBOX
Sync Pull
Create Near
SyncState *
EOF
      timed mbsync mbsync -q -c "$dir/mbsyncrc" bench
      STORED[$name]=$(count_files "$dir/mail/INBOX/cur" "$dir/mail/INBOX/new")
      WRITES[$name]="Maildir, one file per message (fsync on, its default)"
      ;;
    getmail)
      mkdir -p "$dir/Maildir/cur" "$dir/Maildir/new" "$dir/Maildir/tmp" "$dir/state"
      chown -R "$MAIL_OWNER" "$dir/Maildir"
      cat >"$dir/getmailrc" <<EOF
[retriever]
type = SimpleIMAPSSLRetriever
server = $HOST
port = $KONTAKT_STACK_IMAPS_PORT
username = $user
password_command = ("/bin/cat", "$PASSWORD_FILE")
mailboxes = ("INBOX",)
ca_certs = $CA

[destination]
type = Maildir
path = $dir/Maildir/
# getmail refuses to deliver as root; its delivery child runs as the mail owner instead.
user = $(id -un "${MAIL_OWNER%%:*}")

[options]
read_all = true
delete = false
verbose = 0
EOF
      # getmail 6.18 can lose the SIGCHLD of its delivery child under load and then gives up
      # ("waiting child pid N timed out"); the run is reported as far as it got.
      local status=0
      timed getmail getmail --rcfile "$dir/getmailrc" --getmaildir "$dir/state" --quiet || status=$?
      STORED[$name]=$(count_files "$dir/Maildir/cur" "$dir/Maildir/new")
      WRITES[$name]="Maildir, one file per message"
      if ((status != 0)); then WRITES[$name]+="; exited $status after ${STORED[$name]} of $N messages"; fi
      ;;
    *) say "unknown fetcher $name"; exit 2 ;;
  esac
}

for fetcher in $FETCHERS; do run_fetcher "$fetcher"; done

# "Nothing new": the same Kontakt installations polled again with every message stored.
NOOP=""
for fetcher in $FETCHERS; do
  [[ $fetcher == kontakt-* ]] || continue
  for i in $(seq 1 "$NOOP_POLLS"); do
    timed "$fetcher-noop-$i" "$BIN" --config "$OUT/$fetcher/kontakt.toml" poll --json >"$OUT/$fetcher/noop-$i.json"
    NOOP+="$(wall_of "$fetcher-noop-$i") "
  done
  NOOP_RSS=$(rss_of "$fetcher-noop-1")
  break
done

# 4. The table.
BYTES=$(sed -n 's/.* \([0-9]*\) bytes.*/\1/p' "$OUT/corpus.txt")
{
  printf 'fetcher\tmessages\twall_s\tmsgs_per_s\tMB_per_s\tcpu_s\tpeak_rss_MB\twrites\n'
  for fetcher in $FETCHERS; do
    wall=$(wall_of "$fetcher")
    python3 - "$fetcher" "${STORED[$fetcher]}" "$wall" "$BYTES" "$(cpu_of "$fetcher")" "$(rss_of "$fetcher")" "${WRITES[$fetcher]}" "$N" <<'PY'
import sys
name, stored, wall, size, cpu, rss, writes, n = sys.argv[1:]
wall = float(wall)
fetched_bytes = int(size) * int(stored) / int(n)  # exact unless a fetcher stopped early
print(f"{name}\t{stored}\t{wall:.2f}\t{int(stored) / wall:.0f}\t{fetched_bytes / 1e6 / wall:.1f}\t{cpu}\t{rss}\t{writes}")
PY
  done
} >"$OUT/results.tsv"

python3 - "$OUT/results.tsv" "$N" "$BYTES" "$NOOP" "${NOOP_RSS:-}" >"$OUT/results.md" <<'PY'
import sys
path, n, size, noop, noop_rss = sys.argv[1:]
rows = [line.rstrip("\n").split("\t") for line in open(path)][1:]
# Time per message, so that a fetcher that stopped early still compares fairly.
walls = {r[0]: float(r[2]) / max(1, int(r[1])) for r in rows}
print(f"{int(n):,} messages, {int(size) / 1e6:,.0f} MB as served over IMAP\n")
print("| fetcher | messages | wall s | messages/s | MB/s | CPU s | peak RSS MB | writes |")
print("|---|---:|---:|---:|---:|---:|---:|---|")
for name, stored, wall, mps, mbps, cpu, rss, writes in rows:
    print(f"| {name} | {int(stored):,} | {float(wall):.1f} | {int(mps):,} | {mbps} | {cpu} | {rss} | {writes} |")
print()
for name in walls:
    if name.startswith("kontakt-"):
        parts = [f"{walls[name] / walls[o]:.2f}× {o}" for o in ("raw", "mbsync", "getmail") if o in walls]
        print(f"- {name} takes " + ", ".join(parts) + " (time per message)")
if noop.strip():
    polls = sorted(float(x) for x in noop.split())
    print(f"- nothing-new poll ({len(polls)} runs, whole `kontakt poll` process): "
          f"median {polls[len(polls) // 2] * 1000:.0f} ms, max {polls[-1] * 1000:.0f} ms, peak RSS {noop_rss} MB")
PY
cat "$OUT/results.md"
say "figures in $OUT/results.md and $OUT/results.tsv"
