"""The regression-risk model's own code, apart from Dagster (etl/defs/risk/ holds the step): what it reads
(features), how versions fall over time (walk), how one is trained (training), why a PR scored what it did
(explain), a run over a repo (scoring) and the warehouse's side (store). scikit-learn is imported only when the
step runs, never when the definitions load."""
