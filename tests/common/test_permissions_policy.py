import pytest


@pytest.mark.parametrize(("slug", "path"), [(None, "/"), (None, "/healthz"), ("alpha", "/api/v1/me/"),
                                            ("alpha", "/accounts/login/")])
def test_every_response_disables_device_and_payment_features(w, client_for, slug, path):
    response = client_for(None, slug).get(path)

    policy = response["Permissions-Policy"]
    directives = {part.strip() for part in policy.split(",")}
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in directives
