"""A tiny logistic regression in plain Python, for docker_quickstart.ipynb: it says where it runs, logs a loss
and an accuracy each epoch, and writes its final metrics as YAML (pyyaml comes from the run's environment,
built into an image on top of the base image; the base image itself has no pyyaml)."""

import argparse
import math
import os
import platform
import random
import time

import yaml

from jupyter_estimator import Run

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=10)
parser.add_argument("--lr", type=float, default=0.5)
args = parser.parse_args()

run = Run.get_context()
print(f"in a container: {os.path.exists('/.dockerenv')}; Python {platform.python_version()}; yaml {yaml.__version__}",
      flush=True)
random.seed(0)
data = [((x := random.uniform(-3, 3)), 1 if x + random.gauss(0, 0.5) > 0 else 0) for _ in range(400)]
w = b = 0.0
for epoch in range(args.epochs):
    grad_w = grad_b = loss = correct = 0.0
    for x, y in data:
        p = 1 / (1 + math.exp(-(w * x + b)))
        loss -= y * math.log(p + 1e-9) + (1 - y) * math.log(1 - p + 1e-9)
        grad_w += (p - y) * x
        grad_b += p - y
        correct += (p > 0.5) == y
    w -= args.lr * grad_w / len(data)
    b -= args.lr * grad_b / len(data)
    run.log("loss", loss / len(data), step=epoch)
    run.log("accuracy", correct / len(data), step=epoch)
    print(f"epoch {epoch:2d} loss {loss / len(data):.4f} accuracy {correct / len(data):.3f}", flush=True)
    time.sleep(0.05)
os.makedirs("outputs", exist_ok=True)
with open("outputs/metrics.yaml", "w") as handle:
    yaml.safe_dump({"w": w, "b": b, "loss": loss / len(data), "accuracy": correct / len(data)}, handle)
print("wrote outputs/metrics.yaml", flush=True)
