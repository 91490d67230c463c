from ...client.experiment import Experiment

__all__ = ["Experiment"]
