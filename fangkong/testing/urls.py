"""Testing rounds (全员核酸), mounted at /testing/. Route names start with the model of their <pk>
(testround_...); buildings, households and persons travel as query parameters, fetched through scope."""

from django.urls import path

from . import views, views_schedule

urlpatterns = [
    path("", views.testround_list, name="testround_list"),
    path("new/", views.testround_create, name="testround_create"),
    path("<int:pk>/", views.testround_detail, name="testround_detail"),
    path("<int:pk>/sampler/", views.testround_sampler, name="testround_sampler"),
    path("<int:pk>/find/", views.testround_find, name="testround_find"),
    path("<int:pk>/coverage/", views.testround_coverage, name="testround_coverage"),
    path("<int:pk>/schedule/", views_schedule.testround_schedule, name="testround_schedule"),
    path("<int:pk>/schedule/print/", views_schedule.testround_schedule_print, name="testround_schedule_print"),
    path("<int:pk>/untested/", views.testround_untested, name="testround_untested"),
    path("<int:pk>/untested.xlsx", views.testround_untested_xlsx, name="testround_untested_xlsx"),
    path("<int:pk>/home-sampling/", views.testround_home_sampling, name="testround_home_sampling"),
    path("<int:pk>/retests/", views.testround_retests, name="testround_retests"),
    path("<int:pk>/retest-round/", views.testround_retest_round, name="testround_retest_round"),
    path("<int:pk>/results/", views.testround_results, name="testround_results"),
    path("<int:pk>/results/correct/", views.testround_correct, name="testround_correct"),
    path("code/", views.person_code, name="testing_person_code"),
    path("code/revoke/", views.person_code_revoke, name="testing_person_code_revoke"),
    path("c/", views.my_code, name="testing_my_code"),
    path("codes.pdf", views.code_sheet_pdf, name="testing_code_sheet"),
    path("pool-size/", views.pool_size, name="testing_pool_size"),
    path("antigen/", views.antigen, name="testing_antigen"),
]
