# Steps finished through their shown solution are recorded as such (instructor, classroom).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("course", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="stepprogress",
            name="passed_with_solution",
            field=models.BooleanField(default=False),
        ),
    ]
