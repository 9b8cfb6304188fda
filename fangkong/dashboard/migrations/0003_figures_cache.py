import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0003_person_free_labels"),
        ("dashboard", "0002_site_plan"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="FiguresCache",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField()),
                ("computed_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("took_ms", models.PositiveIntegerField(default=0)),
                ("keys", models.JSONField(default=list)),
                ("rounds", models.JSONField(default=dict)),
                ("total", models.JSONField(default=dict)),
                ("grids", models.JSONField(default=dict)),
                ("refresh_asked_at", models.DateTimeField(blank=True, null=True)),
                ("community", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                                to="core.community")),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("community", "day"), name="one_figures_cache_a_day")],
            },
        ),
        migrations.CreateModel(
            name="BriefingJob",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField()),
                ("tomorrow", models.TextField(blank=True)),
                ("asked_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                ("status", models.CharField(choices=[("pending", "Waiting"), ("running", "Being generated"),
                                                     ("done", "Issued"), ("failed", "Failed")],
                                            default="pending", max_length=8)),
                ("message", models.CharField(blank=True, max_length=300)),
                ("asked_by", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL,
                                               related_name="+", to=settings.AUTH_USER_MODEL)),
                ("briefing", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                               related_name="+", to="dashboard.briefing")),
                ("community", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                                to="core.community")),
            ],
            options={"ordering": ["-asked_at", "-pk"]},
        ),
    ]
