"""Code that runs inside the Rasa server, in the engine environment (Python 3.10, rasa 3.6).

The app packages (assistant, actions, backoffice, api) need pydantic 2 and never
import `rasa`; this package is the other side of that wall: it imports `rasa` and
never imports app code (the one exception: `assistant.pii` and `assistant.pii_logging`,
standard-library-only on purpose, so that the engine masks personal data like every
process). It is started as `python -m engine run ...` instead of `rasa run ...` so that
its patches are in place before the server loads.
"""
