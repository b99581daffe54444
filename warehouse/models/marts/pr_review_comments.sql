-- Review comments on the code of each PR collected from GitHub.
select pr_key(repo, number) as pr_key, repo, number, comment_id, review_id, author, author_is_bot, path, line,
       body, created_at, in_reply_to
from staging.github_review_comments
