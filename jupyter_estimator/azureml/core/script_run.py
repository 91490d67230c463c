from .._lazy import lazy_module

__getattr__, __dir__ = lazy_module(__name__, {"Run": "jupyter_estimator.tracking.run", "ScriptRun": "jupyter_estimator.tracking.run:Run",
                                              "_OfflineRun": "jupyter_estimator.tracking.run"})
