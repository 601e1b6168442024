from django.urls import path

from . import views

urlpatterns = [
    path("", views.child_list, name="child_list"),
    path("new/", views.child_register, name="child_register"),
    path("<int:pk>/", views.child_detail, name="child_detail"),
    path("<int:pk>/edit/", views.child_edit, name="child_edit"),
    path("<int:pk>/placement/", views.placement_change, name="placement_change"),
    path("<int:pk>/school/", views.school_move, name="school_move"),
    path("<int:pk>/leave-care/", views.care_leave, name="care_leave"),
    path("<int:pk>/allocate/", views.care_team_allocate, name="care_team_allocate"),
    path("<int:pk>/delegate/", views.delegation_grant, name="delegation_grant"),
    path(
        "<int:pk>/delegations/<int:delegation_pk>/revoke/",
        views.delegation_revoke,
        name="delegation_revoke",
    ),
    path("<int:pk>/audit/", views.child_audit, name="child_audit"),
    path(
        "<int:pk>/<str:kind>/<int:record_pk>/correct/",
        views.imported_record_correct,
        name="imported_record_correct",
    ),
]
