"""Curated FAQ answers: entries staff import or write (entry, files, store), matched against a citizen's question
(normalise, matcher) and served first (book, answering), beside whichever index build is live."""
