"""Logistic regression on a synthetic two-moons-like data set, with numpy, logging as it trains."""

import argparse
import json
import os

import numpy as np

from jupyter_estimator import Run

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=30)
parser.add_argument("--learning-rate", type=float, default=0.5)
parser.add_argument("--samples", type=int, default=2000)
args = parser.parse_args()

run = Run.get_context()
rng = np.random.default_rng(7)
angles = rng.uniform(0, np.pi, args.samples)
labels = rng.integers(0, 2, args.samples)
features = np.stack([np.cos(angles) + labels - 0.5, np.sin(angles) * (1 - 2 * labels)], axis=1)
features += rng.normal(0, 0.15, features.shape)
design = np.hstack([features, features ** 2, np.ones((args.samples, 1))])
weights = np.zeros(design.shape[1])

for epoch in range(args.epochs):
    predictions = 1 / (1 + np.exp(-design @ weights))
    loss = -np.mean(labels * np.log(predictions + 1e-9) + (1 - labels) * np.log(1 - predictions + 1e-9))
    weights -= args.learning_rate * design.T @ (predictions - labels) / args.samples
    accuracy = float(np.mean((predictions > 0.5) == labels))
    run.log("loss", float(loss), step=epoch)
    run.log("accuracy", accuracy, step=epoch)
    print(f"epoch {epoch:3d}  loss {loss:.4f}  accuracy {accuracy:.3f}")

os.makedirs("outputs", exist_ok=True)
with open("outputs/model.json", "w") as handle:
    json.dump({"weights": weights.tolist()}, handle)
os.makedirs("logs", exist_ok=True)
run.log_row("final", loss=float(loss), accuracy=accuracy)
print("saved outputs/model.json")
