import pytest

STAFF_PAGES = ["/admin/users", "/admin/audit/", "/admin/settings/", "/staff/verifications", "/staff/invite"]


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_resident_gets_403_on_staff_pages(client, login_as, path):
    login_as("resident")
    response = client.get(path)
    assert response.status_code == 403
    assert "没有权限" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("path", ["/admin/users", "/admin/audit/", "/admin/settings/", "/staff/invite"])
def test_platform_admin_reaches_admin_pages(client, login_as, path):
    login_as("platform_admin")
    assert client.get(path).status_code == 200


def test_buyer_cannot_administer_users(client, login_as):
    login_as("buyer")
    assert client.get("/admin/users").status_code == 403
    assert client.get("/staff/invite").status_code == 200


def test_state_changes_need_a_csrf_token(app, client, login_as):
    login_as("platform_admin")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/admin/users/1/active", data={"active": "0"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
