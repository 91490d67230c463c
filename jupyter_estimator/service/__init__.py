"""The service: what both the in-process SDK and the Jupyter server extension call. No transport code."""
