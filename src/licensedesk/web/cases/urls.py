from django.urls import path

from licensedesk.web.cases import views

app_name = "cases"

urlpatterns = [
    path("cases/board/", views.board, name="board"),
    path("cases/", views.case_list, name="list"),
    path("cases/<int:pk>/", views.case_detail, name="detail"),
    path("cases/<int:pk>/check/", views.case_run_check, name="run_check"),
    path("cases/<int:pk>/move/", views.case_move, name="move"),
    path("cases/<int:pk>/undo/", views.case_undo_move, name="undo_move"),
    path("cases/<int:pk>/override/", views.case_override, name="override"),
    path("cases/<int:pk>/license/", views.case_license, name="license"),
    path("cases/<int:pk>/notes/", views.note_create, name="note_create"),
    path("cases/<int:pk>/tasks/", views.task_create, name="task_create"),
    path("tasks/", views.my_tasks, name="my_tasks"),
    path("tasks/<int:pk>/complete/", views.task_complete, name="task_complete"),
    path("companies/", views.company_list, name="company_list"),
    path("companies/new/", views.company_create, name="company_create"),
    path("companies/<int:pk>/", views.company_detail, name="company_detail"),
    path("companies/<int:pk>/profile/", views.company_profile, name="company_profile"),
    path("companies/<int:pk>/cases/new/", views.case_create, name="case_create"),
]
