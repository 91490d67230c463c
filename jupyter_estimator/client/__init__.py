"""Objects a user holds: Workspace, Experiment, Model, compute targets, and submission."""
