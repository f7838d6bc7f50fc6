#!/usr/bin/env python3
"""A complete small strategy on live candles: a moving-average cross, paper-traded.

    python examples/strategy.py --demo                  # private sidecar on the offline demo exchanges
    python examples/strategy.py --demo --interval 1s    # the same, fast: one bar per second
    python examples/strategy.py                         # attach to the shared sidecar (VS Code / --socket)

It reads history with get_price, then trades on closed bars from a live stream, and exits by itself
after --bars closed bars or --timeout seconds. Standard library only; uses pandas if installed.
"""
import argparse
import os
import sys
import time
from collections import deque

# Run from a checkout without installing: the package lives in python/candlewire.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))

from candlewire import CandlewireError, Client  # noqa: E402


def closes_of(history) -> list:  # type: ignore[no-untyped-def]
    """Close prices from get_price, whether it returned a DataFrame or a list of dicts."""
    if hasattr(history, "columns"):
        return [float(x) for x in history["close"]]
    return [row["close"] for row in history]


def last_open_time(history):  # type: ignore[no-untyped-def]
    if hasattr(history, "columns"):
        return history.index[-1].to_pydatetime()
    return history[-1]["open_time"]


def sma(values, n: int) -> float:  # type: ignore[no-untyped-def]
    window = list(values)[-n:]
    return sum(window) / len(window)


def main(argv=None) -> int:  # type: ignore[no-untyped-def]
    p = argparse.ArgumentParser(description="Moving-average cross on live candles (paper trading).")
    p.add_argument("--demo", action="store_true", help="spawn a private sidecar against the built-in fake exchanges")
    p.add_argument("--exchange", default="binance")
    p.add_argument("--market", default="spot", choices=["spot", "perp"])
    p.add_argument("--symbol", default="BTCUSDT")
    p.add_argument("--interval", default="1m")
    p.add_argument("--fast", type=int, default=5, help="fast moving average, in bars")
    p.add_argument("--slow", type=int, default=20, help="slow moving average, in bars")
    p.add_argument("--bars", type=int, default=3, help="exit after this many live closed bars")
    p.add_argument("--timeout", type=float, default=300, help="exit after this many seconds")
    args = p.parse_args(argv)
    if not 0 < args.fast < args.slow:
        p.error("need 0 < --fast < --slow")

    deadline = time.monotonic() + args.timeout
    client = Client.spawn(args=["--demo"]) if args.demo else Client.connect()
    client.on_status(lambda s: print("[sidecar] %s %s" % (s.state, s.message)) if s.state != "closed" else None)
    where = "private demo sidecar" if args.demo else "shared sidecar"
    print("connected to the %s (pid %s, version %s)" % (where, client.sidecar_pid, client.sidecar_version))

    position = 0  # +1 long, -1 short, 0 flat
    entry = 0.0
    pnl = 0.0
    trades = 0
    seen = 0
    with client:
        # Subscribe first, then read history: the history then comes from the live cache, and the
        # stream continues exactly where it ends (bars up to its last one are skipped below).
        with client.stream(args.symbol, args.interval, args.exchange, args.market, closed_only=True) as stream:
            history = client.get_price(args.symbol, count=args.slow, frequency=args.interval, exchange=args.exchange, market=args.market)
            closes = deque(closes_of(history), maxlen=args.slow)
            after = last_open_time(history)
            print("history: %d closed %s bars of %s, last close %s" % (len(closes), args.interval, args.symbol, closes[-1]))
            prev_diff = sma(closes, args.fast) - sma(closes, args.slow)
            while seen < args.bars:
                left = deadline - time.monotonic()
                if left <= 0:
                    print("timeout: %.0f s passed" % args.timeout)
                    break
                try:
                    bar = stream.get(timeout=left)
                except StopIteration:
                    print("the stream ended")
                    break
                if bar is None or bar.open_time <= after:
                    continue
                seen += 1
                closes.append(bar.close)
                fast, slow = sma(closes, args.fast), sma(closes, args.slow)
                diff = fast - slow
                signal = ""
                if prev_diff <= 0 < diff and position <= 0:
                    signal = "BUY (fast crossed above slow)"
                elif prev_diff >= 0 > diff and position >= 0:
                    signal = "SELL (fast crossed below slow)"
                if signal:
                    if position != 0:
                        pnl += (bar.close - entry) * position
                    position = 1 if signal.startswith("BUY") else -1
                    entry = bar.close
                    trades += 1
                prev_diff = diff
                print(
                    "%s %s close %-10s fast %.2f slow %.2f %s"
                    % (bar.open_time.strftime("%H:%M:%S"), args.symbol, bar.close, fast, slow, signal or ("long" if position > 0 else "short" if position < 0 else "flat"))
                )
    if position != 0:
        pnl += (closes[-1] - entry) * position
    print("done: %d live bars, %d trades, paper P&L %.4f (quote currency, 1 unit)" % (seen, trades, pnl))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except CandlewireError as e:
        print("strategy: %s" % e, file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
