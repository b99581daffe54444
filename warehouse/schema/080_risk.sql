-- The regression-risk model's outputs, written by the risk step (etl/defs/risk/): every model version trained
-- (a build output, with its data window, features and validation figures) and each PR's score from the version
-- in force when it merged. Public view: pr_risk (warehouse/README.md).
create schema if not exists risk;

-- written by: risk/model_versions
create table if not exists risk.model_versions (
    model_version   varchar primary key,  -- <repo>@<cut-off date>.<algorithm>.<digest>
    repo            varchar   not null,
    cutoff          timestamp not null,   -- UTC; the version scores the PRs merged from here to the next cut-off
    trained_from    timestamp,            -- the earliest merge among its training PRs (its window: the latest 6,000
                                          -- PRs whose outcome was known)
    trained_through timestamp,            -- the latest merge among its training PRs (their 90 days ended by the
                                          -- cut-off); null: no outcome was known yet
    algorithm       varchar   not null,   -- logistic_regression | gradient_boosting | prior (the repo's base rate)
    features        varchar[] not null,   -- the columns of marts.pr_risk_features it reads, in order
    train_prs       integer   not null,   -- PRs with a known outcome it learned from
    train_bugs      integer   not null,   -- of which found to have introduced a bug
    base_rate       double,               -- (bugs + 0.5) / (PRs + 1): the prior version's score
    validation      json,                 -- each candidate's ROC-AUC, PR-AUC, Brier on the latest fourth of its PRs
    reason          varchar   not null,   -- why this algorithm (or why only the prior)
    thresholds      json,                 -- band -> the lowest score in it (high, medium)
    reference       json,                 -- feature -> its median over the training PRs (what top factors compare to)
    model           blob,                 -- the fitted scikit-learn pipeline, pickled; null for a prior
    data_digest     varchar   not null,   -- of its training rows: the same rows give the same version
    method_digest   varchar   not null,   -- of the training method and its settings
    library         varchar   not null,   -- scikit-learn's version that fitted it
    in_force        boolean   not null,   -- some PR's score comes from it now
    trained_at      timestamp not null
);

-- written by: risk/pr_scores
create table if not exists risk.pr_scores (
    pr_key        varchar primary key,
    repo          varchar   not null,
    model_version varchar   not null,     -- risk.model_versions
    score         double,                 -- 0-1; null only while no PR of any repo has a known outcome
    band          varchar   not null,     -- high | medium | low | unknown (a prior version)
    top_factors   varchar[] not null,     -- the features that raised the score most, in words
    reason        varchar,                -- for band unknown: why there is no model yet
    scored_at     timestamp not null      -- UTC; changes only when the row does
);
