from tests.providers.conftest import fake_beget  # noqa: F401 -- the fake Beget server fixture
