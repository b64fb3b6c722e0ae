"""Rasa custom actions: thin wrappers that call the knowledge base (run by rasa_sdk in the app env)."""
