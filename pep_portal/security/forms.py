from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout
from django import forms

from pep_portal.forms import PortalForm, StorableTextMixin


def _code_field(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=20,
        error_messages={"required": "Enter the code"},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
            }
        ),
    )


class SecondFactorForm(StorableTextMixin, forms.Form):
    code = _code_field(
        "Security code",
        "The 6-digit code your authenticator app shows, or one of your backup codes.",
    )
    remember = forms.BooleanField(required=False)

    def __init__(self, *args: object, remember_days: int = 0, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        fields: list[object] = [Field.text("code", field_width=10)]
        if remember_days > 0:
            self.fields[
                "remember"
            ].label = f"Do not ask again on this computer for {remember_days} days"
            fields.append(Field.checkbox("remember"))
        else:
            del self.fields["remember"]
        self.helper.layout = Layout(*fields, Button("submit", "Continue"))


class SetUpForm(StorableTextMixin, forms.Form):
    code = _code_field("Code from your app", "Enter the 6-digit code the app shows now.")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.text("code", field_width=10), Button("submit", "Continue")
        )


class ConfirmIdentityForm(StorableTextMixin, forms.Form):
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password"},
    )
    code = _code_field(
        "Security code",
        "The 6-digit code your authenticator app shows, or one of your backup codes.",
    )

    def __init__(self, *args: object, needs_code: bool = True, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if not needs_code:
            del self.fields["code"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        fields = [Field.text("password", field_width=20)]
        if needs_code:
            fields.append(Field.text("code", field_width=10))
        self.helper.layout = Layout(*fields, Button("submit", "Continue"))


class EmailChangeForm(PortalForm):
    required_messages = {"email": "Enter your new e-mail address"}
    email = forms.EmailField(
        label="New e-mail address",
        help_text="We will send a link to it. Your address changes when you follow the link.",
        max_length=254,
        error_messages={
            "invalid": "Enter an e-mail address in the correct format, like name@example.org"
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.text("email", field_width=20), Button("submit", "Send the link")
        )


class EmailChangeConfirmForm(StorableTextMixin, forms.Form):
    """Only a button: following a link must not change anything by itself (a mail scanner
    may open it)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(Button("submit", "Use this e-mail address"))
