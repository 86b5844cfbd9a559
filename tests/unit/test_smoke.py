def test_settings_load():
    from django.conf import settings

    assert settings.AUTH_USER_MODEL == "users.User"
