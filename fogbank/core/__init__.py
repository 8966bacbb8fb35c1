"""What every layer shares, below all of them: the HTTP request and response (``http``), what a handler
knows of the request it serves (``context``), and the deferred write a handler may return instead of a
result (``commit``). Nothing here imports another part of Fogbank (tests/platform/test_layers.py)."""
