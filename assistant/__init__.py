"""The core, the bottom layer: settings, identity tokens, personal-data masking, logging, rate limits,
locale-aware dates, hours and formatting. It imports nothing else of ours, so every other package (and
the Rasa engine, on Python 3.10) can build on it."""
