"""The action server's actions (rasa-sdk). One module per feature; keep them thin.

rasa-sdk imports every module in this package, so nothing here may do work at
import time: clients are built lazily on first use.
"""
