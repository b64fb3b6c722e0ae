"""Files -> Documents: reading, cleaning, page furniture, notice metadata, chunking, and listing a corpus folder.
Only building an index uses it; answering never imports it."""
