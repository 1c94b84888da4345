"""Answers from the company's documents: ingestion, hybrid retrieval, extractive answers with sources.

Ingestion (`ingest.py`) is an offline, re-runnable job with stable chunk ids; serving
code only opens a `Retriever` (`retrieval.py`) and composes answers (`answers.py`).
Each collection has an audience: `public` (customers) or `internal` (employees).
"""
