"""A real SMTP server for Encore's tests (aiosmtpd), that keeps what it receives.

Usage: sink.py --port PORT --dir DIR [--delay SECONDS]

Each accepted message is written to DIR as <n>.eml (the raw message as received, with an
X-Envelope-To line per envelope recipient first) once the whole SMTP transaction has
succeeded. Some recipients get scripted answers, so the sender's error handling meets real
SMTP replies:

* local part starting "unknown"   -> 550 5.1.1 User unknown (a bounce)
* local part starting "rejected"  -> 554 5.7.1 Message rejected
* local part starting "busy"      -> 451 4.3.0 Try again later (a transient failure)

With --delay, each message's DATA is answered only after that long (a slow server, so a test
can stop a sender in the middle of a send).

The line "ready" on stdout says the server listens.
"""

import argparse
import asyncio
import itertools
import os
import sys

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder, delay):
        self.folder = folder
        self.delay = delay
        self.counter = itertools.count(1)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local.startswith("unknown"):
            return "550 5.1.1 User unknown"
        if local.startswith("rejected"):
            return "554 5.7.1 Message rejected"
        if local.startswith("busy"):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        n = next(self.counter)
        header = "".join(f"X-Envelope-To: {to}\r\n" for to in envelope.rcpt_tos)
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8")
        path = os.path.join(self.folder, f"{n:06d}.eml")
        partial = path + ".partial"
        with open(partial, "wb") as out:
            out.write(header.encode("ascii") + data)
        os.replace(partial, path)
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    controller = Controller(Sink(args.dir, args.delay), hostname="127.0.0.1", port=args.port)
    controller.start()
    print("ready", flush=True)
    # Runs until the test process that started it closes our stdin (or it is killed).
    try:
        while sys.stdin.buffer.read(4096):
            pass
    finally:
        controller.stop()

if __name__ == "__main__":
    main()
