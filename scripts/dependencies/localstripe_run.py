"""Runs localstripe with its state kept safely in this clone.

localstripe keeps its whole store in /tmp/localstripe.pickle and rewrites that file in
full on every write. Three things go wrong with that here:
  * a stop during a write leaves a truncated file, and the next start dies on it
    (the likely cause of a CI run's "localstripe did not start");
  * every clone on the machine shares the one file, so a clean clone is not clean;
  * each write costs a pickle of everything ever stored, so a long test history makes
    every request slower.
This launcher changes only where and when the store is written: in the clone's state
directory, by a temporary file and a rename (never half-written), at most once a second
and once more at shutdown. A store that cannot be read is moved aside, named in the
log, and the fake starts empty. It also listens on one address (localstripe's own start
takes the port on every address, the node's bridge address included, where the pods'
forwarder must listen). The Stripe API that localstripe serves is untouched.

Usage: localstripe_run.py STORE_FILE --host HOST --port PORT
"""

import argparse
import asyncio
import logging
import os
import pickle
import socket
import sys
import time

from aiohttp import web

from localstripe import resources, server

# Writes are grouped: the first write after a dump schedules the next one this far ahead.
DUMP_DELAY_SECONDS = 1.0

store_file = sys.argv.pop(1)
dump_pending = False


def log(message):
    print(f"[localstripe_run] {message}", file=sys.stderr, flush=True)


def load(store):
    try:
        with open(store_file, "rb") as f:
            saved = pickle.load(f)
    except FileNotFoundError:
        return
    except Exception as error:  # a truncated or foreign file: keep it for a look, start empty
        aside = f"{store_file}.unreadable-{int(time.time())}"
        os.replace(store_file, aside)
        log(f"could not read {store_file} ({error!r}); moved it to {aside}, starting empty")
        return
    # dict's own methods: the store's would schedule a dump of the half-loaded store.
    dict.clear(store)
    dict.update(store, saved)
    log(f"loaded {len(saved)} objects from {store_file}")


def dump_now(store):
    global dump_pending
    dump_pending = False
    partial = f"{store_file}.partial"
    with open(partial, "wb") as f:
        pickle.dump(dict(store), f, protocol=pickle.HIGHEST_PROTOCOL)
        f.flush()
        os.fsync(f.fileno())
    os.replace(partial, store_file)


def dump_soon(store):
    global dump_pending
    if dump_pending:
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # outside a request (start-up): write at once
        dump_now(store)
        return
    dump_pending = True
    # On the event loop's own thread, so the store never changes under the pickler.
    loop.call_later(DUMP_DELAY_SECONDS, dump_now, store)


async def dump_at_shutdown(_app):
    dump_now(resources.store)


def start():
    """localstripe's own start, on one address."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8420)
    args = parser.parse_args()
    resources.store.try_load_from_disk()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    access = logging.getLogger("aiohttp.access")
    access.setLevel(logging.DEBUG)
    access.addHandler(logging.StreamHandler())
    web.run_app(server.app, sock=sock, access_log=access)


os.makedirs(os.path.dirname(os.path.abspath(store_file)), exist_ok=True)
resources.Store.try_load_from_disk = load
resources.Store.dump_to_disk = dump_soon
server.app.on_cleanup.append(dump_at_shutdown)
start()
