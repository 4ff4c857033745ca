import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


# A cache every web worker shares: Redis, as in production (the check does not connect to it).
SHARED_CACHE_URL = "redis://127.0.0.1:6379/1"


def _deploy_check(cache_url: str) -> subprocess.CompletedProcess:
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "CACHE_URL")},
        "DJANGO_SETTINGS_MODULE": "infrazen.settings.production",
        "SECRET_KEY": "x" * 20 + "-a-long-random-production-secret-key-0123456789",
        "ALLOWED_HOSTS": "infrazen.ru,.infrazen.ru",
    }
    if cache_url:
        env["CACHE_URL"] = cache_url
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def test_production_settings_pass_the_deploy_check():
    result = _deploy_check(SHARED_CACHE_URL)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_refuses_a_per_process_cache():
    result = _deploy_check("locmemcache://")
    assert result.returncode != 0
    assert "infrazen.E001" in result.stderr + result.stdout


def test_the_deploy_check_refuses_production_without_a_cache_url():
    result = _deploy_check("")
    assert result.returncode != 0
    assert "infrazen.E001" in result.stderr + result.stdout


def test_the_deploy_check_refuses_a_dummy_cache():
    result = _deploy_check("dummycache://")
    assert "infrazen.E001" in result.stderr + result.stdout


def test_the_deploy_check_warns_about_a_file_cache_shared_by_one_host_only():
    result = _deploy_check("filecache:///tmp/infrazen-cache")
    assert result.returncode != 0
    assert "infrazen.W001" in result.stderr + result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update({"DJANGO_SETTINGS_MODULE": "infrazen.settings.production", "ALLOWED_HOSTS": "infrazen.ru"})
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_a_redis_cache_url_gives_djangos_redis_cache_with_its_client_installed():
    """requirements/base.txt carries the `redis` client Django's RedisCache imports on first use."""
    import environ
    from django.core.cache.backends.redis import RedisCache

    config = environ.Env.cache_url_config("redis://cache.internal:6379/1")
    assert config["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    cache = RedisCache(config["LOCATION"], {})
    assert cache._cache._lib.__name__ == "redis"  # imports the client; connects only on the first command
    requirements = (ROOT / "requirements" / "base.txt").read_text().splitlines()
    assert any(line.startswith("redis==") for line in requirements)


def test_production_settings_pass_the_deploy_check_with_a_database_cache_too():
    result = _deploy_check("dbcache://infrazen_cache")
    assert result.returncode == 0, result.stdout + result.stderr
