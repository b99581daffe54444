-- Each PR as GitHub describes it (title, description, author), for PRs collected from GitHub.
select pr_key(repo, number) as pr_key, repo, number, title, body, author, html_url
from staging.github_pulls
