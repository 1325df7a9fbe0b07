"""Error pages answer HTML to browsers and to ``Accept: */*``; JSON only when JSON is named."""
import pytest


@pytest.mark.parametrize("accept", [None, "*/*", "text/html,application/xhtml+xml,*/*;q=0.8",
                                    "application/json;q=0.5, text/html"])
def test_a_missing_page_is_html_unless_json_is_asked_for(client, accept):
    headers = {"Accept": accept} if accept else {}
    response = client.get("/no-such-page", headers=headers)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "Page not found" in response.get_data(as_text=True)


@pytest.mark.parametrize("accept", ["application/json", "application/json, */*;q=0.1"])
def test_a_script_that_asks_for_json_gets_json(client, accept):
    response = client.get("/no-such-page", headers={"Accept": accept})
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert response.get_json()["error"].startswith("Page not found")
