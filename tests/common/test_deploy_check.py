import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


# A cache every web worker shares: Redis, as in production (the check does not connect to it).
SHARED_CACHE_URL = "redis://127.0.0.1:6379/1"


def _production_env(cache_url: str, redis_url: str = "") -> dict[str, str]:
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "CACHE_URL", "REDIS_URL")},
        "DJANGO_SETTINGS_MODULE": "infrazen.settings.production",
        "SECRET_KEY": "x" * 20 + "-a-long-random-production-secret-key-0123456789",
        "ALLOWED_HOSTS": "infrazen.ru,.infrazen.ru",
    }
    if cache_url:
        env["CACHE_URL"] = cache_url
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def _deploy_check(cache_url: str, redis_url: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=_production_env(cache_url, redis_url), capture_output=True, text=True, timeout=120,
    )


def _cache_and_sessions(settings_module: str, cache_url: str = "", redis_url: str = "") -> list[str]:
    """The default cache's backend and location, and the session engine, as a process with that environment sees."""
    env = {**_production_env(cache_url, redis_url), "DJANGO_SETTINGS_MODULE": settings_module}
    code = ("from django.conf import settings; c = settings.CACHES['default']; "
            "print(c['BACKEND'], c.get('LOCATION', ''), settings.SESSION_ENGINE, sep='|')")
    result = subprocess.run([sys.executable, "manage.py", "shell", "--no-imports", "-c", code], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1].split("|")


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


def test_production_with_only_redis_url_keeps_cache_and_sessions_in_that_redis_and_passes_the_deploy_check():
    backend, location, sessions = _cache_and_sessions("infrazen.settings.production",
                                                      redis_url="redis://redis.internal:6379/0")
    assert backend == "django.core.cache.backends.redis.RedisCache"
    assert location == "redis://redis.internal:6379/0"
    assert sessions == "django.contrib.sessions.backends.cached_db"
    result = _deploy_check("", redis_url="redis://redis.internal:6379/0")
    assert result.returncode == 0, result.stdout + result.stderr


def test_cache_url_wins_over_redis_url():
    backend, location, sessions = _cache_and_sessions("infrazen.settings.production", cache_url=SHARED_CACHE_URL,
                                                      redis_url="redis://redis.internal:6379/0")
    assert (backend, location) == ("django.core.cache.backends.redis.RedisCache", SHARED_CACHE_URL)
    assert sessions == "django.contrib.sessions.backends.cached_db"


def test_without_redis_a_single_process_keeps_a_private_cache_and_database_sessions():
    backend, _location, sessions = _cache_and_sessions("infrazen.settings.local")
    assert backend == "django.core.cache.backends.locmem.LocMemCache"
    assert sessions == "django.contrib.sessions.backends.db"


def test_sessions_stay_in_the_database_with_a_database_or_per_host_cache():
    for cache_url in ("dbcache://infrazen_cache", "filecache:///tmp/infrazen-cache"):
        _backend, _location, sessions = _cache_and_sessions("infrazen.settings.production", cache_url=cache_url)
        assert sessions == "django.contrib.sessions.backends.db", cache_url
