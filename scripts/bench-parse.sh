#!/usr/bin/env bash
# Parse benchmark for BENCHMARKS.md "## Parsing": MailMessage (Swift, release build) against Python's
# email package on the same generated corpus.
#
#   scripts/bench-parse.sh [COUNT] [ROUNDS]     defaults: 2000 messages, 3 rounds (Python: 1 round)
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT="${1:-2000}"
ROUNDS="${2:-3}"
DIR="$(mktemp -d "${TMPDIR:-/tmp}/kontakt-bench-parse.XXXXXX")"
trap 'rm -rf "$DIR"' EXIT

# A seeded, mixed corpus: 45% small plain UTF-8, 25% quoted-printable Latin-1 replies with quotes,
# 20% HTML-only, 10% with one or two base64 attachments of 50 KB to 1 MB.
python3 - "$DIR" "$COUNT" <<'PY'
import base64, quopri, random, sys
directory, count = sys.argv[1], int(sys.argv[2])
rng = random.Random(20261129)
words = ("chefens dag seminarium värdet vi skapar tillsammans ansvar i vardagen att styra och leda "
         "förändring komplexitet utvecklingsresa bättre imorgon fråga anmälan lunch parkering lokal "
         "presentation material kommun förvaltning åäö ÅÄÖ é").split()
def sentence(n):
    return " ".join(rng.choice(words) for _ in range(n)).capitalize() + "."
def text(lines):
    return "\n".join(sentence(rng.randint(5, 14)) for _ in range(lines)) + "\n"
def headers(i, subject, extra):
    return (f"From: =?utf-8?q?Anna_Str=C3=B6m?= <anna{i}@example.se>\r\nTo: Kontakt <kontakt@kommun.example.se>\r\n"
            f"Subject: =?utf-8?b?{base64.b64encode(subject.encode()).decode()}?=\r\n"
            f"Date: Mon, 7 Dec 2026 10:{i % 60:02d}:00 +0100\r\nMessage-ID: <bench-{i}@example.se>\r\n"
            f"MIME-Version: 1.0\r\n{extra}")
for i in range(count):
    kind = rng.random()
    subject = sentence(6)
    if kind < 0.45:
        body = text(rng.randint(3, 20)).encode("utf-8")
        msg = headers(i, subject, "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n").encode() + body
    elif kind < 0.70:
        t = text(rng.randint(5, 30)) + "\nDen 2 dec. 2026 kl. 09:14 skrev Kontakt <kontakt@kommun.example.se>:\n" + "".join("> " + l + "\n" for l in text(10).splitlines())
        body = quopri.encodestring(t.encode("latin-1")).replace(b"\n", b"\r\n")
        msg = headers(i, subject, "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n").encode() + body
    elif kind < 0.90:
        html = "<html><body>" + "".join(f"<p>{sentence(rng.randint(5, 14))} &auml;&ouml; <b>{rng.choice(words)}</b></p>\n" for _ in range(rng.randint(5, 30))) + "</body></html>"
        body = quopri.encodestring(html.encode("utf-8")).replace(b"\n", b"\r\n")
        msg = headers(i, subject, "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n").encode() + body
    else:
        b = f"=_bench_{i}"
        parts = [f"--{b}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n".encode() + text(5).encode()]
        for k in range(rng.randint(1, 2)):
            data = rng.randbytes(rng.randint(50_000, 1_000_000))
            enc = base64.encodebytes(data).replace(b"\n", b"\r\n")
            parts.append(f"\r\n--{b}\r\nContent-Type: application/pdf; name=\"bilaga{k}.pdf\"\r\nContent-Disposition: attachment; filename*=utf-8''utv%C3%A4rdering_{k}.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n".encode() + enc)
        msg = headers(i, subject, f"Content-Type: multipart/mixed; boundary=\"{b}\"\r\n\r\n").encode() + b"".join(parts) + f"\r\n--{b}--\r\n".encode()
    with open(f"{directory}/{i:05d}.eml", "wb") as f:
        f.write(msg)
PY

echo "corpus: $COUNT messages, $(du -sh "$DIR" | cut -f1) in $DIR" >&2
swift build -c release --product kontakt-bench >&2
BIN="$(swift build -c release --product kontakt-bench --show-bin-path)/kontakt-bench"

SWIFT_LINE="$("$BIN" parse "$DIR" "$ROUNDS")"
PY_LINE="$(python3 scripts/bench-parse.py "$DIR" 1)"

field() { sed -n "s/.*$2=\([0-9.]*\).*/\1/p" <<<"$1"; }
printf "%-8s %10s %12s %10s\n" "parser" "msgs/s" "MB/s" "seconds"
printf "%-8s %10s %12s %10s\n" "swift" "$(field "$SWIFT_LINE" msgs_per_s)" "$(field "$SWIFT_LINE" mb_per_s)" "$(field "$SWIFT_LINE" seconds)"
printf "%-8s %10s %12s %10s\n" "python" "$(field "$PY_LINE" msgs_per_s)" "$(field "$PY_LINE" mb_per_s)" "$(field "$PY_LINE" seconds)"
python3 -c "import sys; s, p = float(sys.argv[1]), float(sys.argv[2]); print(f'speed-up: {s / p:.1f}x messages/s')" \
    "$(field "$SWIFT_LINE" msgs_per_s)" "$(field "$PY_LINE" msgs_per_s)"
