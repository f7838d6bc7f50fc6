"""Connect mode: one shared `--socket` sidecar, its stdio client and two Python clients over the socket."""
import json
import os
import subprocess
import threading
import unittest

from support import FakeExchange, needs_socket, sidecar_env, temp_dir, wait_for

from candlewire import Client, SidecarNotFound
from candlewire.discovery import read_connection_file

BTC_1S = "btcusdt@kline_1s"
ETH_1S = "ethusdt@kline_1s"


@needs_socket
class SharedSidecar(unittest.TestCase):
    fake: FakeExchange
    runtime: str
    owner: Client
    a: Client
    b: Client

    @classmethod
    def setUpClass(cls) -> None:
        cls.fake = FakeExchange(seed=21)
        cls.runtime = temp_dir()
        # The stdio client: it started the sidecar (like VS Code does) and talks to it over stdio.
        cls.owner = Client.spawn(args=["--socket", "--config", cls.fake.config_file()], env=sidecar_env(cls.runtime), name="owner")
        wait_for("the connection file", lambda: (read_connection_file(cls.runtime) or None) and read_connection_file(cls.runtime).pid == cls.owner.sidecar_pid)
        cls.a = Client.connect(runtime_dir=cls.runtime, name="py-a")
        cls.b = Client.connect(runtime_dir=cls.runtime, name="py-b")

    @classmethod
    def tearDownClass(cls) -> None:
        for c in (cls.a, cls.b, cls.owner):
            c.close()
        cls.fake.close()

    def test_connect_attaches_to_the_shared_sidecar(self) -> None:
        self.assertEqual(self.a.mode, "connect")
        self.assertEqual(self.owner.mode, "spawn")
        self.assertEqual(self.a.sidecar_pid, self.owner.sidecar_pid)
        self.assertEqual(self.b.sidecar_pid, self.owner.sidecar_pid)
        info = read_connection_file(self.runtime)
        assert info is not None
        self.assertEqual(info.transport, "unix")
        self.assertEqual(os.stat(info.path).st_mode & 0o777, 0o600)

    def test_three_clients_share_one_upstream_subscription(self) -> None:
        streams = [c.stream("BTCUSDT", "1s", closed_only=True, timeout=20) for c in (self.owner, self.a, self.b)]
        try:
            got = [[next(s) for _ in range(2)] for s in streams]
            self.assertTrue(all(len(g) == 2 for g in got))
            self.assertEqual(self.fake.topics().get(BTC_1S), 1, "the fake sees one upstream subscription")
            subs = [s for s in self.owner.status()["subscriptions"] if s["key"] == streams[0].key]
            self.assertEqual(len(subs), 3)
            # Every client receives the same closed bars.
            later = [next(s) for s in streams]
            target = max(b.open_time for b in later)
            for s, bar in zip(streams, later):
                while bar.open_time < target:
                    bar = next(s)
                self.assertEqual(bar.as_row(), later[[b.open_time for b in later].index(target)].as_row())
        finally:
            for s in streams:
                s.close()
        wait_for("the upstream topic released", lambda: BTC_1S not in self.fake.topics())

    def test_a_disconnect_releases_only_that_clients_subscriptions(self) -> None:
        c = Client.connect(runtime_dir=self.runtime, name="leaving")
        stays = self.a.stream("BTCUSDT", "1s", closed_only=True, timeout=20)
        try:
            c.subscribe("BTCUSDT", "1s")
            c.subscribe("ETHUSDT", "1s")
            wait_for("ETH upstream", lambda: self.fake.topics().get(ETH_1S) == 1)
            self.assertEqual(self.fake.topics().get(BTC_1S), 1)
            ids_before = {s["subscription_id"] for s in self.owner.status()["subscriptions"]}
            self.assertEqual(len(ids_before), 3)
            c.close()
            wait_for("ETH upstream released", lambda: ETH_1S not in self.fake.topics())
            self.assertEqual(self.fake.topics().get(BTC_1S), 1, "a's subscription keeps BTC upstream")
            remaining = self.owner.status()["subscriptions"]
            self.assertEqual([s["key"] for s in remaining], [stays.key])
            self.assertIsNotNone(next(stays))  # and a still receives
            self.assertIsNotNone(next(stays))
        finally:
            c.close()
            stays.close()

    def test_many_threads_on_a_socket_client(self) -> None:
        errors = []

        def work() -> None:
            try:
                for _ in range(20):
                    self.assertEqual(len(self.b.klines("ETHUSDT", "1m", limit=5).rows), 5)
            except Exception as e:  # noqa: BLE001
                errors.append(e)

        threads = [threading.Thread(target=work) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])


class Discovery(unittest.TestCase):
    def test_no_connection_file_is_sidecar_not_found(self) -> None:
        empty = temp_dir()
        with self.assertRaises(SidecarNotFound) as ctx:
            Client.connect(runtime_dir=empty)
        self.assertIn(empty, str(ctx.exception))

    def test_a_file_whose_pid_is_dead_is_ignored(self) -> None:
        d = temp_dir()
        dead = subprocess.Popen(["true"])
        dead.wait()
        with open(os.path.join(d, "sidecar.json"), "w") as f:
            json.dump({"transport": "unix", "path": os.path.join(d, "sidecar.sock"), "pid": dead.pid, "version": "0.1.0", "started": 1, "ws": None}, f)
        self.assertIsNone(read_connection_file(d))
        with self.assertRaises(SidecarNotFound):
            Client.connect(runtime_dir=d)
        # or_spawn: falls back to a private sidecar.
        with Client.connect(or_spawn=True, runtime_dir=d, spawn_args=["--demo"]) as c:
            self.assertEqual(c.mode, "spawn")
            self.assertGreater(c.ping()["time"], 0)

    def test_live_pid_file_is_read_and_env_override_wins(self) -> None:
        d = temp_dir()
        with open(os.path.join(d, "sidecar.json"), "w") as f:
            json.dump({"transport": "unix", "path": "/x.sock", "pid": os.getpid(), "version": "9", "started": 5, "ws": {"url": "ws://127.0.0.1:1", "token": "ab"}}, f)
        old = os.environ.get("CANDLEWIRE_RUNTIME_DIR")
        os.environ["CANDLEWIRE_RUNTIME_DIR"] = d
        try:
            info = read_connection_file()
        finally:
            if old is None:
                del os.environ["CANDLEWIRE_RUNTIME_DIR"]
            else:
                os.environ["CANDLEWIRE_RUNTIME_DIR"] = old
        assert info is not None
        self.assertEqual((info.path, info.pid, info.ws), ("/x.sock", os.getpid(), {"url": "ws://127.0.0.1:1", "token": "ab"}))
        with open(os.path.join(d, "sidecar.json"), "w") as f:
            f.write("{not json")
        self.assertIsNone(read_connection_file(d))


if __name__ == "__main__":
    unittest.main()
