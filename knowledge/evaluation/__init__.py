"""How well answers meet expectations: expected documents and phrases, hit@k, MRR and recall (the one place
`policybot eval`, `policybot coverage` and the benchmarks count them), and FAQ coverage reports."""
