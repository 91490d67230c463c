"""Domain types shared by every layer. Modules here that the training-script side imports
(errors, status) depend on the standard library alone."""
