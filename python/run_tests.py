#!/usr/bin/env python3
"""Runs the Python client's unittest suite against the built sidecar (dist/sidecar.js).

    python3 python/run_tests.py                       # every test (pandas tests skip without pandas)
    /usr/bin/python3 python/run_tests.py --require-pandas
    python3 python/run_tests.py test_spawn test_restart -v

Builds dist/sidecar.js first when it is missing (or with --build). Ends with the
plain line `N passed, N failed, N skipped`; exits non-zero when anything failed.
"""
import argparse
import faulthandler
import os
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
TESTS = os.path.join(HERE, "tests")
SIDECAR = os.path.join(REPO, "dist", "sidecar.js")


def summary(passed: int, failed: int, skipped: int) -> str:
    return "%d passed, %d failed, %d skipped" % (passed, failed, skipped)


def newest_source_mtime() -> float:
    newest = 0.0
    for root, _dirs, files in os.walk(os.path.join(REPO, "sidecar")):
        for name in files:
            if name.endswith(".ts"):
                newest = max(newest, os.path.getmtime(os.path.join(root, name)))
    return newest


def ensure_built(force: bool) -> str:
    """Builds dist/sidecar.js when it is missing (or with --build); returns an error message, if any.
    A bundle older than the sources is only reported: `npm test` builds before this stage."""
    if os.path.isfile(SIDECAR) and not force:
        if os.path.getmtime(SIDECAR) < newest_source_mtime():
            print("note: dist/sidecar.js is older than sidecar/**/*.ts; run `node esbuild.mjs` (or pass --build) to test the current code")
        return ""
    print("building dist/sidecar.js (node esbuild.mjs)…", flush=True)
    r = subprocess.run(["node", "esbuild.mjs"], cwd=REPO)
    if r.returncode != 0 or not os.path.isfile(SIDECAR):
        return "node esbuild.mjs failed (exit %s)" % r.returncode
    return ""


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("modules", nargs="*", help="test modules (e.g. test_spawn) or dotted test names; default: all")
    p.add_argument("--require-pandas", action="store_true", help="fail unless pandas is importable (the DataFrame path is then tested)")
    p.add_argument("--build", action="store_true", help="rebuild dist/sidecar.js even if it looks current")
    p.add_argument("--hang-timeout", type=float, default=600, help="abort with thread stacks after this many seconds")
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args()

    if args.require_pandas:
        try:
            import pandas  # noqa: F401
        except ImportError as e:
            print("--require-pandas: pandas is not importable by %s (%s); on Debian: apt-get install -y python3-pandas" % (sys.executable, e))
            print(summary(0, 1, 0))
            return 1

    error = ensure_built(args.build)
    if error:
        print(error)
        print(summary(0, 1, 0))
        return 1

    sys.path.insert(0, TESTS)
    sys.path.insert(0, HERE)
    loader = unittest.TestLoader()
    if args.modules:
        suite = loader.loadTestsFromNames(args.modules)
    else:
        suite = loader.discover(start_dir=TESTS, pattern="test_*.py", top_level_dir=TESTS)

    # A hung test must not hang CI: dump every thread's stack and exit.
    faulthandler.dump_traceback_later(args.hang_timeout, exit=True)
    started = time.monotonic()
    print("python %s (%s), pandas %s" % (sys.version.split()[0], sys.executable, _pandas_version()), flush=True)
    result = unittest.TextTestRunner(verbosity=2 if args.verbose else 1, stream=sys.stdout).run(suite)
    faulthandler.cancel_dump_traceback_later()

    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped) + len(result.expectedFailures)
    passed = result.testsRun - failed - skipped
    for test, reason in result.skipped:
        print("skipped %s: %s" % (test.id(), reason))
    print("python suite took %.1f s" % (time.monotonic() - started))
    print(summary(passed, failed, skipped))
    return 0 if failed == 0 else 1


def _pandas_version() -> str:
    try:
        import pandas
    except ImportError:
        return "not installed"
    return pandas.__version__


if __name__ == "__main__":
    sys.exit(main())
