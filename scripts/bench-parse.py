#!/usr/bin/env python3
"""Python's email package on the same corpus as `kontakt-bench parse DIR N`, for BENCHMARKS.md.

Usage: bench-parse.py DIR [N]

Like the Swift side, files are read into memory first and only parsing is timed. To be fair to
Python, each message is parsed with policy=default (the modern API), its body text is fetched with
get_body(('plain', 'html')).get_content(), and every non-multipart part is decoded, as the Swift
parser decodes all parts and attachments eagerly.
"""
import os
import sys
import time
from email import policy
from email.parser import BytesParser


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit("usage: bench-parse.py DIR [N]")
    directory = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    messages = []
    for name in sorted(os.listdir(directory)):
        with open(os.path.join(directory, name), "rb") as f:
            messages.append(f.read())
    total = sum(len(m) for m in messages)
    parser = BytesParser(policy=policy.default)
    checksum = 0
    start = time.perf_counter()
    for _ in range(rounds):
        for raw in messages:
            msg = parser.parsebytes(raw)
            body = msg.get_body(preferencelist=("plain", "html"))
            if body is not None:
                try:
                    checksum += len(body.get_content())
                except (LookupError, UnicodeError, KeyError):
                    pass
            for part in msg.walk():
                if not part.is_multipart():
                    payload = part.get_payload(decode=True)
                    checksum += len(payload or b"")
    seconds = time.perf_counter() - start
    count = len(messages) * rounds
    print("python messages=%d rounds=%d seconds=%.3f msgs_per_s=%.1f mb_per_s=%.1f checksum=%d"
          % (len(messages), rounds, seconds, count / seconds, total * rounds / 1e6 / seconds, checksum))


if __name__ == "__main__":
    main()
