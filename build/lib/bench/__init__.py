"""The benchmark suite behind `make bench`: retrieval quality against BM25, dense and a Langchain-Chatchat-style
pipeline, calibration, and speed, written to docs/benchmarks.md and docs/benchmarks.json."""
