"""A local SMTP sink for tests and `make up`: accepts every message and writes it, as an .eml
file, into a directory that tests read. Run by scripts/dependencies/smtp.sh."""

import argparse
import asyncio
import os
import time
import uuid

from aiosmtpd.controller import Controller


class MaildirHandler:
    def __init__(self, directory):
        self.directory = directory

    async def handle_DATA(self, server, session, envelope):
        name = f"{time.time_ns()}-{uuid.uuid4().hex}.eml"
        temporary = os.path.join(self.directory, "." + name)
        with open(temporary, "wb") as out:
            out.write(f"X-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n".encode())
            out.write(envelope.original_content or envelope.content)
        # Rename last, so that a reader never sees a half-written message.
        os.rename(temporary, os.path.join(self.directory, name))
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2525)
    parser.add_argument("--maildir", required=True)
    args = parser.parse_args()
    os.makedirs(args.maildir, exist_ok=True)
    controller = Controller(MaildirHandler(args.maildir), hostname=args.host, port=args.port)
    controller.start()
    try:
        asyncio.get_event_loop().run_forever()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
