#!/usr/bin/env python3
"""Helpers for scripts/bench-fetch.sh (BENCHMARKS.md "## Fetching"). Not product code.

    bench-fetch.py generate MAILDIR N SEED   seeded corpus written straight into a Maildir
    bench-fetch.py index HOST PORT USER PASSWORD_FILE CA
                                             SELECT + UID FETCH 1:* (UID RFC822.SIZE) so Dovecot
                                             builds its index before anything is timed
    bench-fetch.py raw HOST PORT USER PASSWORD_FILE CA
                                             the measuring stick: one connection, STARTTLS, LOGIN,
                                             SELECT, one `UID FETCH 1:* BODY.PEEK[]`, read it all

Sizes are log-uniform between 2 KB and 2 MB. Small messages are plain text; larger ones are
multipart/mixed with a text part and a base64 attachment that brings them to their size, the
way real inquiries with a PDF or a photo look. Senders repeat (1 in 5 messages answers an
earlier one with In-Reply-To) so the store threads as it would in use.
"""
import base64
import math
import os
import random
import socket
import ssl
import sys
import time

MIN_SIZE, MAX_SIZE = 2 * 1024, 2 * 1024 * 1024

WORDS = ("chefens dag seminarium värdet vi skapar tillsammans ansvar i vardagen att styra och leda "
         "förändring komplexitet utvecklingsresa bättre imorgon fråga anmälan lunch parkering lokal "
         "presentation material kommun förvaltning bygglov skola äldreomsorg budget").split()


def generate(maildir, count, seed):
    rng = random.Random(seed)
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(maildir, sub), exist_ok=True)
    senders = [f"invanare{k}@example.se" for k in range(max(1, count // 5))]
    sent_ids = []
    total = 0
    base_time = 1_796_000_000  # fixed, so file names (and Dovecot's order) are reproducible

    def sentence(n):
        return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."

    def text(limit):
        lines, size = [], 0
        while size < limit:
            line = sentence(rng.randint(5, 14))
            lines.append(line)
            size += len(line.encode()) + 1
        return "\n".join(lines) + "\n"

    for i in range(count):
        target = int(math.exp(rng.uniform(math.log(MIN_SIZE), math.log(MAX_SIZE))))
        sender = rng.choice(senders)
        message_id = f"<fetch-bench-{seed}-{i}@example.se>"
        subject = sentence(rng.randint(3, 8))
        thread = ""
        if sent_ids and rng.random() < 0.2:
            parent = rng.choice(sent_ids)
            thread = f"In-Reply-To: {parent}\nReferences: {parent}\n"
            subject = "Re: " + subject
        sent_ids.append(message_id)
        minute = i % (60 * 24 * 28)
        header = (f"From: Invånare {i % 997} <{sender}>\nTo: Kontakt <kontakt@kommun.example.se>\n"
                  f"Subject: {subject}\nDate: Mon, {1 + minute // 1440} Dec 2026 {minute // 60 % 24:02d}:{minute % 60:02d}:00 +0100\n"
                  f"Message-ID: {message_id}\n{thread}MIME-Version: 1.0\n")
        if target < 8 * 1024:
            header += "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
            body = text(max(200, target - len(header.encode()))).encode()
            raw = header.encode() + body
        else:
            boundary = f"=_fetch_bench_{i}"
            header += f'Content-Type: multipart/mixed; boundary="{boundary}"\n\n'
            intro = (f"--{boundary}\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
                     + text(rng.randint(300, 3000)) + f"\n--{boundary}\nContent-Type: application/pdf; name=\"bilaga.pdf\"\n"
                     "Content-Disposition: attachment; filename=\"bilaga.pdf\"\nContent-Transfer-Encoding: base64\n\n")
            closing = f"\n--{boundary}--\n"
            room = target - len(header.encode()) - len(intro.encode()) - len(closing)
            data = rng.randbytes(max(1, room * 57 // 78))  # base64 with 76-char lines + LF: 78 bytes per 57
            raw = header.encode() + intro.encode() + base64.encodebytes(data) + closing.encode()
        # Maildir as Dovecot's LDA writes it: LF line ends, S= (file size) and W= (size with CRLF)
        # in the name so Dovecot need not read the file to answer RFC822.SIZE.
        virtual = len(raw) + raw.count(b"\n")
        name = f"{base_time + i}.M{i}P1.bench,S={len(raw)},W={virtual}:2,"
        with open(os.path.join(maildir, "cur", name), "wb") as f:
            f.write(raw)
        total += virtual
    print(f"generated {count} messages, {total} bytes (as served over IMAP)")


class Connection:
    """A minimal IMAP reader on a raw socket: lines, and literals read by their announced length."""

    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port))
        self.buf = bytearray()
        self.scratch = memoryview(bytearray(1 << 18))

    def fill(self):
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise EOFError("server closed the connection")
        self.buf += chunk

    def line(self):
        while True:
            end = self.buf.find(b"\r\n")
            if end >= 0:
                line = bytes(self.buf[:end])
                del self.buf[:end + 2]
                return line
            self.fill()

    def skip(self, n):
        """Consumes n literal octets without keeping them; returns how many were read. Reads
        straight into one scratch buffer, so the only per-byte work is TLS decryption."""
        take = min(n, len(self.buf))
        del self.buf[:take]
        left = n - take
        while left > 0:
            got = self.sock.recv_into(self.scratch, min(left, len(self.scratch)))
            if not got:
                raise EOFError("server closed the connection")
            left -= got
        return n

    def command(self, tag, text, on_literal=None):
        self.sock.sendall(f"{tag} {text}\r\n".encode())
        while True:
            line = self.line()
            if line.endswith(b"}") and b"{" in line:
                n = int(line[line.rindex(b"{") + 1:-1].rstrip(b"+"))
                (on_literal or self.skip)(n)
                continue
            if line.startswith(tag.encode() + b" "):
                if not line[len(tag) + 1:].startswith(b"OK"):
                    raise RuntimeError(f"{text.split()[0]} failed: {line[:200]!r}")
                return

    def starttls_login(self, user, password, ca):
        self.line()  # greeting
        self.command("a", "STARTTLS")
        ctx = ssl.create_default_context(cafile=ca)
        self.sock = ctx.wrap_socket(self.sock, server_hostname="localhost")
        self.command("b", f'LOGIN "{user}" "{password}"')
        self.command("c", "SELECT INBOX")


def connect(host, port, user, password_file, ca):
    with open(password_file) as f:
        password = f.read().strip()
    c = Connection(host, int(port))
    c.starttls_login(user, password, ca)
    return c


def index(host, port, user, password_file, ca):
    c = connect(host, port, user, password_file, ca)
    c.command("d", "UID FETCH 1:* (UID RFC822.SIZE FLAGS)")
    c.command("e", "LOGOUT")


def raw(host, port, user, password_file, ca):
    started = time.monotonic()
    c = connect(host, port, user, password_file, ca)
    stats = {"messages": 0, "bytes": 0}

    def count(n):
        stats["messages"] += 1
        stats["bytes"] += c.skip(n)

    c.command("d", "UID FETCH 1:* BODY.PEEK[]", on_literal=count)
    seconds = time.monotonic() - started
    print(f"raw messages={stats['messages']} bytes={stats['bytes']} seconds={seconds:.2f}")


if __name__ == "__main__":
    what = sys.argv[1]
    if what == "generate":
        generate(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif what == "index":
        index(*sys.argv[2:7])
    elif what == "raw":
        raw(*sys.argv[2:7])
    else:
        sys.exit(__doc__)
