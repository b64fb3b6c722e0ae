"""A question -> a cited answer: the loaded knowledge base and its search, the question's analysis, candidate
sentences, the learned selector, confidence, composing the answer, follow-ups and suggested questions."""
