"""What a training script imports. Standard library only: the run's environment holds the
user's packages and nothing of ours but this code."""
