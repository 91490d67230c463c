"""The Jupyter server extension: hosts the job runner and run history behind an authenticated REST API.
A thin adapter: parse, call the service, serialize, map errors to 4xx."""
