"""The regression-risk model's own code, apart from Dagster (etl/defs/risk/ holds the step): what it reads
(features), how versions fall over time (walk), how one is trained (training), why a PR scored what it did
(explain), a run over a repo (scoring), the warehouse's side (store), and whether there is anything to do (runs).
scikit-learn is imported only when the step has work, never when the definitions load."""
