def test_login_and_me(as_user):
    me = as_user("rssi-a@demo.test").get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["role"] == "ght_manager"
