"""Interview briefings for hosts: likely questions, cited answer points and key figures, and their renderings."""
