"""The web console: the built front-end (``console/dist``) served by the gateway under ``/console``."""
