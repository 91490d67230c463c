"""`python -m jupyter_estimator.demo`: submit the demo script, stream it, register its model, say where to look."""

from __future__ import annotations

import sys
from pathlib import Path

from jupyter_estimator import Estimator, Experiment, Workspace


def main() -> int:
    ws = Workspace()
    print(f"Workspace: {ws.path}")
    # The script travels as text, so a Jupyter server hosting the workspace accepts it wherever the package lives.
    script = (Path(__file__).parent / "train.py").read_text()
    estimator = Estimator(None, _inline_files={"train.py": script}, compute_target="local", entry_script="train.py",
                          script_params={"--epochs": 30, "--learning-rate": 0.5}, pip_packages=["numpy"], _deprecation_warning=False)
    run = Experiment(ws, "demo").submit(estimator, tags={"kind": "demo"})
    details = run.wait_for_completion(show_output=True)
    metrics = run.get_metrics()
    model = run.register_model("demo-logreg", "outputs/model.json", tags={"accuracy": f"{metrics['accuracy'][-1]:.3f}"})
    print(f"\nStatus: {details['status']}   final accuracy: {metrics['accuracy'][-1]:.3f}   model: {model.id}")
    server = getattr(ws, "_server", None)
    # A link that opens the run: the run in JupyterLab when a server hosts this workspace, else its folder.
    print(f"Open the run: {server.portal_url(run.id) if server is not None else Path(run.path).as_uri()}")
    print("From a terminal:")
    print(f"  jupyter estimator show {run.id}")
    print("  jupyter estimator runs            # list runs")
    print("\nOpen JupyterLab on the example notebooks:")
    print(f"  {Path(sys.executable).parent / 'jupyter'} lab notebooks/")
    return 0 if details["status"] == "Completed" else 1


if __name__ == "__main__":
    sys.exit(main())
