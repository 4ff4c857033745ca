def test_healthz_answers_json_on_public_and_tenant_hosts(w, client_for):
    for slug in (None, "alpha"):
        response = client_for(None, slug).get("/healthz")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        body = response.json()
        assert body["status"] == "ok"
        assert body["checks"]["database"]["ok"] is True
        assert body["checks"]["queue"]["ok"] is True
