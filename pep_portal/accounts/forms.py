from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout, Size
from django import forms
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)

from children.models import School
from pep_portal.forms import StorableTextMixin

from .roles import CarerKind, Role, VirtualSchoolDuty


class SignInForm(StorableTextMixin, AuthenticationForm):
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
            # No autofocus: it would skip the page's "Skip to main content" link and heading.
            attrs={"autocomplete": "email", "spellcheck": "false"}
        )
        self.fields["username"].error_messages["required"] = "Enter your email address"
        self.fields["password"].error_messages["required"] = "Enter your password"
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page template holds the <form>
        self.helper.layout = Layout(
            Field.text("username"),
            Field.text("password"),
            Button("submit", "Sign in"),
        )


class PortalPasswordResetForm(StorableTextMixin, PasswordResetForm):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "Email address"
        self.fields["email"].error_messages["required"] = "Enter your email address"
        self.fields["email"].error_messages["invalid"] = (
            "Enter an email address in the correct format, like name@example.gov.uk"
        )
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page template holds the <form>
        self.helper.layout = Layout(Field.text("email"), Button("submit", "Send reset link"))


def _password_layout(*names: str, submit: str) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False  # the page template holds the <form>
    helper.layout = Layout(
        *(Field.text(n, field_width=20) for n in names), Button("submit", submit)
    )
    return helper


class PortalSetPasswordForm(StorableTextMixin, SetPasswordForm):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _password_layout("new_password1", "new_password2", submit="Set password")


class PortalPasswordChangeForm(StorableTextMixin, PasswordChangeForm):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _password_layout(
            "old_password", "new_password1", "new_password2", submit="Change password"
        )


class PeopleSearchForm(StorableTextMixin, forms.Form):
    q = forms.CharField(label="Search by name or email", required=False, max_length=100)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page template holds the <form>
        self.helper.form_method = "get"
        self.helper.layout = Layout(
            Field.text("q", field_width=20, label_size=Size.SMALL), Button("search", "Search")
        )


class InviteForm(StorableTextMixin, forms.Form):
    full_name = forms.CharField(label="Full name", max_length=200)
    email = forms.EmailField(label="Email address", max_length=254)
    role = forms.ChoiceField(widget=forms.RadioSelect)
    job_title = forms.CharField(label="Job title (optional)", max_length=200, required=False)
    phone = forms.CharField(label="Telephone (optional)", max_length=40, required=False)
    carer_kind = forms.ChoiceField(
        label="If they are a carer",
        choices=CarerKind.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    duties = forms.MultipleChoiceField(
        label="If they are virtual school staff, what do they do?",
        choices=VirtualSchoolDuty.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    school = forms.CharField(
        label="If they work at a school, the school's URN",
        max_length=6,
        required=False,
        help_text="6 digits, as shown on Get Information About Schools.",
    )

    def __init__(self, *args: object, roles: list[Role], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r.value, r.label) for r in roles]
        self.fields["full_name"].error_messages["required"] = "Enter their full name"
        self.fields["email"].error_messages["required"] = "Enter their email address"
        self.fields["email"].error_messages["invalid"] = (
            "Enter an email address in the correct format, like name@example.gov.uk"
        )
        self.fields["role"].error_messages["required"] = "Select their role"
        school_roles = {Role.DESIGNATED_TEACHER, Role.DELEGATED_SCHOOL_STAFF}
        layout = [
            Field.text("full_name", field_width=20),
            Field.text("email", field_width=20),
            Field.radios("role", legend_size=Size.SMALL),
            Field.text("job_title", field_width=20),
            Field.text("phone", field_width=20),
        ]
        if Role.CARER in roles:
            layout.append(Field.radios("carer_kind", legend_size=Size.SMALL, inline=True))
        else:
            del self.fields["carer_kind"]
        if Role.VIRTUAL_SCHOOL_STAFF in roles:
            layout.append(Field.checkboxes("duties", legend_size=Size.SMALL, small=True))
        else:
            del self.fields["duties"]
        if school_roles & set(roles) and Role.SOCIAL_WORKER in roles:
            layout.append(Field.text("school", field_width=10))
        else:
            del self.fields["school"]
        layout.append(Button("submit", "Create account and send invitation"))
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page template holds the <form>
        self.helper.layout = Layout(*layout)

    def clean_school(self) -> School | None:
        value = self.cleaned_data["school"].strip()
        if not value:
            return None
        if not value.isdigit():
            raise forms.ValidationError("Enter the URN as 6 digits, for example 990101")
        school = School.objects.filter(urn=int(value)).first()
        if school is None:
            raise forms.ValidationError("No school has that URN")
        return school
