"""Azure ML SDK v1 module paths over jupyter_estimator's own classes.

Port a notebook by rewriting the prefix: `from azureml.core import Experiment` becomes
`from jupyter_estimator.azureml.core import Experiment`.
"""
