# Every stored address in the one form sign-in now matches exactly (accounts/addresses.py).

from django.db import migrations

from pep_portal.accounts.addresses import normalise_email


def normalise(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    rows = list(User.objects.values_list("pk", "email"))
    owners: dict[str, int] = {}
    for pk, email in rows:
        owner = owners.setdefault(normalise_email(email), pk)
        if owner != pk:
            raise RuntimeError(
                f"Accounts {owner} and {pk} have addresses that are the same once normalised "
                f"({normalise_email(email)!r}): change or close one of them, then migrate again."
            )
    for pk, email in rows:
        if normalise_email(email) != email:
            User.objects.filter(pk=pk).update(email=normalise_email(email))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_notification_preferences"),
    ]

    operations = [
        migrations.RunPython(normalise, migrations.RunPython.noop),
    ]
