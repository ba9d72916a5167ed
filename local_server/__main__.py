"""Command line: ``python -m local_server --port N [--compute-ms X] [--fault NAME ...]``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import socket
import sys

import uvicorn

from .app import DropConnection, LocalTinkerApp
from .faults import CATALOGUE, FaultSet, parse_fault_arg
from .state import ModelSpec, ServerState

HOST = "127.0.0.1"


class _QuietDrops(logging.Filter):
    """Hide the traceback uvicorn logs for a connection dropped on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, DropConnection)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser."""
    faults = "\n".join(f"  {n}: {s.summary} [{s.triage}]" for n, s in CATALOGUE.items())
    parser = argparse.ArgumentParser(
        prog="python -m local_server",
        description="A local Tinker-compatible server (127.0.0.1 only).",
        epilog="faults (NAME[:count=N,delay_s=S,status=C,paths=/a|/b]):\n" + faults,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument(
        "--compute-ms", type=float, default=50.0, help="time per request"
    )
    parser.add_argument(
        "--poll-hold-ms", type=float, default=1000.0, help="hold before 408"
    )
    parser.add_argument("--fault", action="append", default=[], metavar="NAME")
    parser.add_argument("--vocab-size", type=int, default=512)
    parser.add_argument("--max-context", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--port-file", help="write the bound port here once listening")
    parser.add_argument("--log-level", default="warning")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, bind 127.0.0.1 and serve until interrupted."""
    args = build_parser().parse_args(argv)
    faults = FaultSet()
    try:
        for text in args.fault:
            name, count, options = parse_fault_arg(text)
            faults.add(name, count, **options)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    models = [
        ModelSpec("local/bigram-byte", args.vocab_size, args.max_context),
        ModelSpec("local/bigram-byte-long", args.vocab_size, args.max_context * 4),
    ]
    state = ServerState(args.compute_ms, models, args.seed)
    app = LocalTinkerApp(state, faults, args.poll_hold_ms / 1000.0)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, args.port))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_level=args.log_level, access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    logging.getLogger("uvicorn.error").addFilter(_QuietDrops())
    if args.port_file:
        with open(args.port_file, "w", encoding="utf-8") as fh:
            fh.write(str(port))
    print(f"local Tinker server listening on http://{HOST}:{port}", flush=True)
    try:
        asyncio.run(server.serve(sockets=[sock]))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
