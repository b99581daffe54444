"""Links domain: what commit messages and PR texts claim about other PRs."""
