"""`python -m jupyter_estimator.demo`: submit the demo script, stream it, register its model, say where to look."""

from __future__ import annotations

import sys
from pathlib import Path

from jupyter_estimator import Estimator, Experiment, Workspace


def main() -> int:
    ws = Workspace()
    print(f"Workspace: {ws.path}")
    estimator = Estimator(source_directory=str(Path(__file__).parent), compute_target="local", entry_script="train.py",
                          script_params={"--epochs": 30, "--learning-rate": 0.5}, pip_packages=["numpy"], _deprecation_warning=False)
    run = Experiment(ws, "demo").submit(estimator, tags={"kind": "demo"})
    details = run.wait_for_completion(show_output=True)
    metrics = run.get_metrics()
    model = run.register_model("demo-logreg", "outputs/model.json", tags={"accuracy": f"{metrics['accuracy'][-1]:.3f}"})
    print(f"\nStatus: {details['status']}   final accuracy: {metrics['accuracy'][-1]:.3f}   model: {model.id}")
    print(f"Run folder: {run.path}")
    print("  jupyter estimator runs            # list runs")
    print(f"  jupyter estimator show {run.id}")
    print("\nOpen JupyterLab on the example notebooks:")
    print(f"  {Path(sys.executable).parent / 'jupyter'} lab notebooks/")
    return 0 if details["status"] == "Completed" else 1


if __name__ == "__main__":
    sys.exit(main())
