"""``python -m candlewire watch <spec>...`` and ``python -m candlewire status``."""
import argparse
import json
import sys
import threading
import time
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Sequence, TextIO

from ._version import __version__
from .bars import Bar
from .client import Client, ClientStatus
from .errors import CandlewireError

ESC = "\x1b["


def parse_spec(text: str) -> Dict[str, str]:
    """``exchange:market:symbol:interval[:trades]``; the symbol may contain ':' (BTC/USDT:USDT)."""
    parts = text.split(":")
    source = "exchange"
    if parts and parts[-1] == "trades":
        source = "trades"
        parts.pop()
    if len(parts) < 4:
        raise ValueError("bad spec %r: expected exchange:market:symbol:interval, e.g. binance:spot:BTCUSDT:1m" % text)
    exchange, market = parts[0].lower(), parts[1]
    interval = parts[-1]
    symbol = ":".join(parts[2:-1])
    if market not in ("spot", "perp"):
        raise ValueError("bad spec %r: market must be spot or perp, got %r" % (text, market))
    if not symbol:
        raise ValueError("bad spec %r: missing symbol" % text)
    return {"exchange": exchange, "market": market, "symbol": symbol, "interval": interval, "source": source, "text": text}


def _num(x: Any) -> str:
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


def format_bar(label: str, bar: Bar) -> str:
    """One candle in the sidecar watch layout: open time, OHLC, volume, trades."""
    trades = "" if bar.trades is None else "  n %d" % bar.trades
    return "%sZ %s  O %s  H %s  L %s  C %s  V %s%s" % (
        bar.open_time.strftime("%H:%M:%S"), label, _num(bar.open), _num(bar.high), _num(bar.low), _num(bar.close), _num(bar.volume), trades,
    )


class WatchView:
    """Closed bars scroll; on a TTY the forming bar of each spec is redrawn in place at the bottom,
    elsewhere it is printed at most every ``plain_every`` seconds."""

    def __init__(self, out: TextIO, is_tty: bool, plain_every: float = 5.0) -> None:
        self.out = out
        self.is_tty = is_tty
        self.plain_every = plain_every
        self.rows: Dict[str, Dict[str, Any]] = {}
        self.drawn = 0
        self.lock = threading.Lock()

    def add_row(self, key: str, label: str) -> None:
        self.rows[key] = {"label": label, "forming": None, "printed": 0.0}

    def bar(self, bar: Bar) -> None:
        with self.lock:
            row = self.rows.get(bar.key)
            if row is None:
                return
            if bar.closed:
                if row["forming"] is not None and row["forming"].open_time <= bar.open_time:
                    row["forming"] = None
                self._line("%s  closed" % format_bar(row["label"], bar))
                return
            row["forming"] = bar
            if self.is_tty:
                self._clear()
                self._draw()
            elif time.monotonic() - row["printed"] >= self.plain_every:
                row["printed"] = time.monotonic()
                self.out.write("%s  forming\n" % format_bar(row["label"], bar))
                self.out.flush()

    def line(self, text: str) -> None:
        with self.lock:
            self._line(text)

    def _line(self, text: str) -> None:
        if self.is_tty:
            self._clear()
        self.out.write(text + "\n")
        if self.is_tty:
            self._draw()
        self.out.flush()

    def _clear(self) -> None:
        if self.drawn:
            self.out.write("%s%dA%s0J" % (ESC, self.drawn, ESC))
        self.drawn = 0

    def _draw(self) -> None:
        for row in self.rows.values():
            f = row["forming"]
            self.out.write(("%s  forming" % format_bar(row["label"], f) if f else "%s  waiting for data…" % row["label"]) + "\n")
        self.drawn = len(self.rows)
        self.out.flush()


def _open_client(args: argparse.Namespace) -> Client:
    if args.demo or args.spawn:
        return Client.spawn(args=(["--demo"] if args.demo else []))
    return Client.connect(runtime_dir=args.runtime_dir)


def cmd_watch(args: argparse.Namespace, out: TextIO) -> int:
    try:
        specs = [parse_spec(s) for s in args.specs]
    except ValueError as e:
        print("candlewire: %s" % e, file=sys.stderr)
        return 2
    if not specs:
        print("candlewire: watch needs at least one spec, e.g. binance:spot:BTCUSDT:1m", file=sys.stderr)
        return 2
    view = WatchView(out, is_tty=out.isatty() and not args.plain)
    closed_count = [0]
    done = threading.Event()
    with _open_client(args) as client:
        out.write("candlewire %s watch (python, sidecar %s pid %s) — Ctrl-C to quit\n" % (__version__, client.sidecar_version, client.sidecar_pid))
        out.flush()

        def on_bar(bar: Bar) -> None:
            view.bar(bar)
            if bar.closed:
                closed_count[0] += 1
                if args.count and closed_count[0] >= args.count:
                    done.set()

        def on_status(s: ClientStatus) -> None:
            extra = " (attempt %d, next in %.1f s)" % (s.attempt, s.delay or 0) if s.state == "reconnecting" else (": %s" % s.message if s.message else "")
            view.line("   sidecar %s%s" % (s.state, extra))

        def on_exchange_status(env: Dict[str, Any]) -> None:
            d = env.get("data") or {}
            extra = " (attempt %s, next in %.1f s)" % (d.get("attempt"), (d.get("delay_ms") or d.get("delayMs") or 0) / 1000) if d.get("state") == "reconnecting" else (" (%s)" % d["message"] if d.get("message") else "")
            view.line("   %s %s%s" % (d.get("id"), d.get("state"), extra))

        def on_gap(env: Dict[str, Any]) -> None:
            g = env.get("data") or {}
            if g.get("state") != "detected":
                iso = lambda ms: datetime.fromtimestamp(ms / 1000, tz=timezone.utc).isoformat().replace("+00:00", "Z")  # noqa: E731
                view.line("   gap %s on %s: %s … %s (%s bars; %s)" % (g.get("state"), env.get("key"), iso(g["from"]), iso(g["to"]), g.get("bars"), g.get("reason")))

        client.on_kline(on_bar)
        client.on_status(on_status)
        client.on("status", on_exchange_status)
        client.on("gap", on_gap)
        failures = 0
        for spec in specs:
            try:
                sub = client.subscribe(spec["symbol"], spec["interval"], "kline", spec["exchange"], spec["market"], spec["source"])
            except CandlewireError as e:
                failures += 1
                view.line("%s: %s" % (spec["text"], e))
                continue
            view.add_row(sub.key, spec["text"])
            recent = client.klines(spec["symbol"], spec["interval"], spec["exchange"], spec["market"], limit=3, source=spec["source"])
            from .bars import bar_from_kline

            for k in recent.klines:
                view.bar(bar_from_kline(k, spec, sub.key))
        if failures == len(specs):
            print("candlewire: nothing to watch", file=sys.stderr)
            return 1
        try:
            done.wait(args.timeout if args.timeout else None)
        except KeyboardInterrupt:
            pass
    return 0


def cmd_status(args: argparse.Namespace, out: TextIO) -> int:
    with _open_client(args) as client:
        status = client.call("status.get")
    if args.json:
        out.write(json.dumps(status, indent=2) + "\n")
        return 0
    out.write("candlewire sidecar %s (pid %s), up %.0f s, mode %s\n" % (status["version"], client.sidecar_pid, status["uptimeMs"] / 1000, client.mode))
    conns: List[Dict[str, Any]] = status.get("connections", [])
    out.write("connections: %d\n" % len(conns))
    for c in conns:
        out.write("  %-32s %-12s topics %-4s msgs %-8s reconnects %s%s\n" % (c["id"], c["state"], c["topics"], c["messages"], c["reconnects"], ("  " + c["message"]) if c.get("message") else ""))
    subs: List[Dict[str, Any]] = status.get("subscriptions", [])
    out.write("subscriptions: %d\n" % len(subs))
    for s in subs:
        out.write("  %-44s %s\n" % (s["key"], s["state"]))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m candlewire", description="Candlewire from Python: watch live candles, show sidecar status.")
    p.add_argument("--version", action="version", version="candlewire (python) %s" % __version__)
    sub = p.add_subparsers(dest="command")

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--demo", action="store_true", help="spawn a private sidecar against the built-in fake exchanges (offline)")
        sp.add_argument("--spawn", action="store_true", help="spawn a private sidecar instead of connecting to the shared one")
        sp.add_argument("--runtime-dir", help="directory of the shared sidecar's connection file (default: the per-user runtime dir)")

    w = sub.add_parser("watch", help="print live candles: watch binance:spot:BTCUSDT:1m [more specs]")
    w.add_argument("specs", nargs="*", metavar="spec", help="exchange:market:symbol:interval[:trades]")
    w.add_argument("--count", type=int, default=0, help="exit after this many closed bars")
    w.add_argument("--timeout", type=float, default=0, help="exit after this many seconds")
    w.add_argument("--plain", action="store_true", help="no in-place redraw even on a terminal")
    common(w)
    s = sub.add_parser("status", help="connection health, counters and subscriptions of the sidecar")
    s.add_argument("--json", action="store_true", help="the raw status.get result")
    common(s)
    return p


def main(argv: Optional[Sequence[str]] = None, out: TextIO = sys.stdout) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(out)
        return 2
    try:
        return cmd_watch(args, out) if args.command == "watch" else cmd_status(args, out)
    except CandlewireError as e:
        print("candlewire: %s" % e, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
