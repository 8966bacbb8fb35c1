"""Fogbank: AWS's managed database services on your own machine."""

__version__ = "0.1.0"
