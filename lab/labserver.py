"""labserver.py - what the lab's Python servers (smtp_server.py, https_server.py) share: running
until a signal arrives, with the pid file written only once every listener is bound."""

import asyncio
import os
import signal


def write_pidfile(path: str) -> None:
    """Atomically: a reader never sees a half-written pid."""
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="ascii") as f:
        f.write(f"{os.getpid()}\n")
    os.replace(tmp, path)


async def run_until_signalled(pidfile: str | None, on_hup=None) -> None:
    """Return on SIGTERM or SIGINT; call on_hup() on SIGHUP if given. The handlers are installed
    before the pid file exists, since whoever reads it may signal us at once."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if on_hup is not None:
        loop.add_signal_handler(signal.SIGHUP, on_hup)
    if pidfile:
        write_pidfile(pidfile)
    await stop.wait()
