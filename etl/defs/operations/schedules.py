"""When collection runs by the clock: every configured repo once a day, each repo its own run."""

import dagster as dg

from etl.config import load_config

from ..partitions import REPO_PARTITIONS
from . import jobs

_config = load_config()


@dg.schedule(job=jobs.collect_repo, cron_schedule=_config.daily_cron, execution_timezone=_config.timezone,
             default_status=dg.DefaultScheduleStatus.RUNNING,
             description="Collect every repo in pr_atlas.toml once a day (GitHub, report site, git), one run per "
                         "repo so that a failing repo fails alone; the marts follow by their automation condition.")
def daily_collection(context: dg.ScheduleEvaluationContext):
    configured = load_config().repo_names  # read at each tick: editing the file needs no reload
    known = set(REPO_PARTITIONS.get_partition_keys(dynamic_partitions_store=context.instance))
    day = context.scheduled_execution_time.strftime("%Y-%m-%d")
    requests = [dg.RunRequest(run_key=f"{repo}@{day}", partition_key=repo, tags={"pr_atlas/trigger": "schedule"})
                for repo in configured if repo in known]
    waiting = [repo for repo in configured if repo not in known]
    if not requests:
        return dg.SkipReason(f"no repo partitions yet (waiting for the sensor repo_partitions to add "
                             f"{', '.join(waiting) or 'repos from pr_atlas.toml'})")
    if waiting:
        context.log.info(f"not yet partitions, collected from the next tick: {', '.join(waiting)}")
    return requests
