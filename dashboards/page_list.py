"""The pages of the dashboards, in menu order: the one list app.py builds its navigation from and server.py
answers each page's address from."""

from __future__ import annotations

from typing import NamedTuple


class Listed(NamedTuple):
    script: str  # under dashboards/app_pages/
    title: str
    icon: str
    url_path: str


PAGES = (
    Listed("trends.py", "Trends", ":material/trending_up:", "trends"),
    Listed("prs.py", "Pull requests", ":material/list:", "prs"),
    Listed("modules.py", "Modules", ":material/grid_view:", "modules"),
    Listed("chains.py", "Regression chains", ":material/account_tree:", "chains"),
    Listed("pr.py", "PR report", ":material/article:", "pr"),
    Listed("search.py", "Search", ":material/search:", "search"),
    Listed("sql.py", "SQL", ":material/terminal:", "sql"),
    Listed("health.py", "Data health", ":material/monitor_heart:", "health"),
)
