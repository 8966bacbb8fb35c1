"""One module per group of RDS operations; importing them registers their handlers."""
