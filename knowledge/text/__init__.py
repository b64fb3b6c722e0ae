"""Rules about Chinese text that hold whatever the corpus: words (jieba with the domain dictionary), scripts,
places, transcripts and layout, common characters, and what a question asks for. Nothing here reads an index."""
