from ...core.estimator import SKLearn

__all__ = ["SKLearn"]
