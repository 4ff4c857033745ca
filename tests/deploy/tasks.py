"""Task bodies for the multi-process tests, run by django-q2 workers in other processes."""

from __future__ import annotations

import os
import time

import redis

RAN_KEY = "deploy-test:ran"


def record_run(number: int, seconds: float = 0.3) -> None:
    """Take a little time (so one worker cannot drain the queue alone), then note which cluster and process ran
    ``number``: ``<number>:<cluster>:<pid>`` pushed onto a list in the Redis db the workers use as their broker."""
    time.sleep(seconds)
    connection = redis.Redis.from_url(os.environ["REDIS_URL"])
    connection.rpush(RAN_KEY, f"{number}:{os.environ['DEPLOY_TEST_CLUSTER']}:{os.getpid()}")
