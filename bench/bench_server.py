"""REST: list the first 100 runs with 100 000 stored, and print → client latency through the log endpoint."""

from __future__ import annotations

import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from common import percentile, report


class Server:
    def __init__(self, folder: Path, module: str = "jupyter_server") -> None:
        self.folder, self.token = folder, secrets.token_hex(16)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        (folder / "root").mkdir()
        config = folder / "config.json"
        config.write_text(json.dumps({
            "IdentityProvider": {"token": self.token},
            "ServerApp": {"port": self.port, "ip": "127.0.0.1", "open_browser": False, "allow_root": True,
                          "root_dir": str(folder / "root"), "jpserver_extensions": {"jupyter_estimator": True}},
            "EstimatorApp": {"workspace_path": str(folder / "ws")}}))
        env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(folder / "runtime"))
        env["JUPYTERLAB_WORKSPACES_DIR"] = str(folder / "lab-workspaces")
        self.process = subprocess.Popen([sys.executable, "-m", module, f"--config={config}"], env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(600):
            try:
                self.get("estimator/api/workspace")
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def get(self, path: str, body: dict | None = None) -> dict:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/{path}",
                                         data=None if body is None else json.dumps(body).encode(),
                                         method="GET" if body is None else "POST")
        request.add_header("Authorization", f"token {self.token}")
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait()


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from bench_store import RUNS, fill_index
    from jupyter_estimator import Environment, ScriptRunConfig, Workspace
    from jupyter_estimator.client.submission import build_request

    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        ws = Workspace(path=folder / "ws")
        fill_index(ws, RUNS)
        server = Server(folder)
        try:
            server.get("estimator/api/runs?limit=100")
            samples, floor = [], []
            for _ in range(15):
                started = time.perf_counter()
                page = server.get("estimator/api/runs?limit=100")
                samples.append(time.perf_counter() - started)
                started = time.perf_counter()
                server.get("api/status")
                floor.append(time.perf_counter() - started)
            assert len(page["runs"]) == 100
            report(f"REST list first 100 runs ({RUNS} stored)", statistics.median(samples) * 1000, "ms",
                   "GET /api/status round trip", statistics.median(floor) * 1000, goal="<= 50 ms")

            project = folder / "root" / "latency"
            project.mkdir()
            (project / "tick.py").write_text(
                "import time\nfor i in range(60):\n    print(f't={time.time():.6f}', flush=True)\n    time.sleep(0.1)\n")
            env = Environment("bench")
            env.python.user_managed_dependencies = True
            body = build_request("latency", ScriptRunConfig(str(project), script="tick.py", environment=env)).model_dump(mode="json")
            run = server.get("estimator/api/runs", body)
            offset, delays = 0, []
            while True:
                chunk = server.get(f"estimator/api/runs/{run['id']}/logs?offset={offset}&wait=5")
                received = time.time()
                for line in chunk["data"].splitlines():
                    if line.startswith("t="):
                        delays.append(received - float(line[2:]))
                offset = chunk["next_offset"]
                if chunk["eof"]:
                    break
            log = ws.store.run_folder(run["id"]).std_log
            report("log latency print -> REST client p95", percentile(delays, 95) * 1000, "ms",
                   "p50", statistics.median(delays) * 1000, goal="p95 <= 250 ms")
            print(f"(log latency over {len(delays)} lines; max {max(delays) * 1000:.1f} ms; log file {log.stat().st_size} bytes)")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
