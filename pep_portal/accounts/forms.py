from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout, Size
from django import forms
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)


class SignInForm(AuthenticationForm):
    """The sign-in form. One message for a wrong password and an unknown address, so the form
    never tells anyone which e-mail addresses have accounts."""

    error_messages = {
        "invalid_login": (
            "Enter a correct email address and password. If you have forgotten your password, "
            "reset it using the link below."
        ),
        "inactive": "This account has been closed. Ask your virtual school administrator.",
    }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email address"
        self.fields["username"].widget = forms.EmailInput(
            attrs={"autocomplete": "email", "spellcheck": "false", "autofocus": True}
        )
        self.fields["username"].error_messages["required"] = "Enter your email address"
        self.fields["password"].error_messages["required"] = "Enter your password"
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("username"),
            Field.text("password"),
            Button("submit", "Sign in"),
        )


class PortalPasswordResetForm(PasswordResetForm):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "Email address"
        self.fields["email"].error_messages["required"] = "Enter your email address"
        self.fields["email"].error_messages["invalid"] = (
            "Enter an email address in the correct format, like name@example.gov.uk"
        )
        self.helper = FormHelper()
        self.helper.layout = Layout(Field.text("email"), Button("submit", "Send reset link"))


def _password_layout(*names: str, submit: str) -> FormHelper:
    helper = FormHelper()
    helper.layout = Layout(
        *(Field.text(n, field_width=20) for n in names), Button("submit", submit)
    )
    return helper


class PortalSetPasswordForm(SetPasswordForm):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _password_layout("new_password1", "new_password2", submit="Set password")


class PortalPasswordChangeForm(PasswordChangeForm):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _password_layout(
            "old_password", "new_password1", "new_password2", submit="Change password"
        )


class PeopleSearchForm(forms.Form):
    q = forms.CharField(label="Search by name or email", required=False, max_length=100)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.layout = Layout(
            Field.text("q", field_width=20, label_size=Size.SMALL), Button("search", "Search")
        )
