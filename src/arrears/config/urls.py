from django.contrib import admin
from django.urls import include, path

from arrears.interfaces.api.routes import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("arrears.interfaces.web.urls")),
]
