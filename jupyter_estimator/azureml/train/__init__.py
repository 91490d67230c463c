"""azureml.train: estimators."""
