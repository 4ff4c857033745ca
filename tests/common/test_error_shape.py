from tests.utils import api_error


def test_unknown_api_path_answers_with_the_json_error_shape(w, client_for):
    error = api_error(client_for(w.alice, "alpha").get("/api/v1/no-such-endpoint/"), 404, "not_found")
    assert error["message"]


def test_unknown_page_answers_with_the_html_404_page(w, client_for):
    response = client_for(w.alice, "alpha").get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_unknown_api_path_on_the_public_host_is_json_too(w, client_for):
    api_error(client_for(None).get("/api/v1/nothing/"), 404, "not_found")
