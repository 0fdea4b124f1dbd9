"""Each journal entry records the AWS Region its call ran in. Entries written before a sandbox
had Regions ran in the only one there was, us-east-1, so that is their value: old journals
replay exactly as before."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sandboxes", "0003_bounded_storage"),
    ]

    operations = [
        migrations.AddField(
            model_name="journalentry",
            name="region",
            field=models.CharField(default="us-east-1", max_length=32),
        ),
    ]
