from .._lazy import lazy_module

__getattr__, __dir__ = lazy_module(__name__, {"Run": "jupyter_estimator.client.run", "ScriptRun": "jupyter_estimator.client.run:Run",
                                              "_OfflineRun": "jupyter_estimator.client.run"})
