from django.urls import path

from . import views

urlpatterns = [
    path("", views.ProjectList.as_view(), name="project_list"),
    path("new/", views.ProjectCreate.as_view(), name="project_create"),
    path("<int:record_id>/", views.ProjectDetail.as_view(), name="project_detail"),
    path("<int:record_id>/edit/", views.ProjectEdit.as_view(), name="project_edit"),
]

cost_code_urlpatterns = [
    path("", views.CostCodeList.as_view(), name="cost_code_list"),
    path("new/", views.CostCodeCreate.as_view(), name="cost_code_create"),
    path("<int:record_id>/edit/", views.CostCodeEdit.as_view(), name="cost_code_edit"),
]
