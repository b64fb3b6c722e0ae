"""The index: what is stored per document, the embedding model, BM25, FAISS and the document-level index, how a
build is made (`building`, the one module here that reads documents) and whether a build serves the settings
(`staleness`)."""
