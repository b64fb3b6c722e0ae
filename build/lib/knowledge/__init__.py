"""policybot's knowledge base: documents -> clean text -> chunks -> indexes -> search -> cited answers.

Nothing in this package imports Rasa: the dialogue layer calls it, never the other way round.
"""
