"""Code that runs inside the Rasa server (the .venv-rasa environment, Python 3.10)."""
