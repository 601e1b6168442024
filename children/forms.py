"""Forms shape and check what was typed; the rules live in services.py."""

from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fieldset, Layout, Size
from django import forms
from django.core.exceptions import ValidationError

from pep_portal.accounts.models import User
from pep_portal.accounts.roles import Role
from pep_portal.forms import DateField, PortalForm, StorableTextMixin

from . import ssda903_codes
from .models import (
    AdviceOutcome,
    AdviceRequester,
    AdviceTopic,
    Child,
    Gender,
    LegalStatus,
    PlacementType,
    School,
    SenStatus,
    SettingKind,
)
from .school_year import PepTemplate
from .selectors import (
    carer_choices,
    delegate_choices,
    previously_looked_after_choices,
    setting_by_reference,
    staff_choices_for,
)
from .ssda903_codes import leaving_reason_choices
from .upn import normalise_upn, validate_upn


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.full_name} ({obj.job_title})" if obj.job_title else obj.full_name


class CarersField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: User) -> str:
        return f"{obj.full_name}, {obj.role_label.lower()}"


class SchoolUrnField(forms.CharField):
    """A setting by its URN (GIAS lists some 50,000 establishments, too many for a menu; Ofsted
    numbers early years providers the same way), its UKPRN (training providers, employers), or
    the portal's own reference for a setting with neither ("S" and a number, shown on the
    settings page: home education, EOTAS, NEET)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 12)
        kwargs.setdefault(
            "help_text",
            "The school's 6-digit unique reference number (URN), as shown on GIAS or by Ofsted; "
            "for a training provider or employer its 8-digit UKPRN; otherwise the setting's "
            "reference on the settings page (S and a number).",
        )
        super().__init__(**kwargs)

    def clean(self, value: str) -> School | None:
        value = super().clean(value).strip().upper()
        if not value:
            return None
        found = setting_by_reference(value)
        if isinstance(found, str):
            raise ValidationError(found)
        if not found.is_open:
            raise ValidationError(f"{found.name} is closed: choose an open school")
        return found


def _authority_staff(authority_id: int, role: Role) -> Any:
    return staff_choices_for(child_authority_id=authority_id, role=role)


def _carers(authority_id: int) -> Any:
    return carer_choices(authority_id=authority_id)


class PlacementFields(PortalForm):
    """Where the child lives: asked when a child is registered and when they move."""

    placement_type = forms.ChoiceField(
        label="Type of placement", choices=[("", "Choose a type"), *PlacementType.choices]
    )
    setting_name = forms.CharField(
        label="Carers' or home's name (optional)", max_length=200, required=False
    )
    carers = CarersField(
        queryset=User.objects.none(), required=False, label="Carers with a PEP Portal account"
    )

    def __init__(self, *args: Any, authority_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["carers"].queryset = _carers(authority_id)

    @staticmethod
    def placement_layout() -> list[Field]:
        return [
            Field.select("placement_type"),
            Field.text("setting_name", field_width=20),
            Field.checkboxes("carers", legend_size=Size.SMALL, small=True),
        ]


class ChildDetailsForm(PortalForm):
    required_messages = {
        "legal_first_name": "Enter the child's legal first name",
        "legal_last_name": "Enter the child's legal last name",
        "date_of_birth": "Enter the child's date of birth",
        "gender": "Select the child's gender",
        "sen_status": "Select the child's special educational needs",
        "entered_care_on": "Enter the date the child became looked after",
        "emergency_placement": "Select yes if it was an emergency placement",
        "legal_status": "Select the child's legal status",
        "placement_type": "Select the type of placement",
    }

    legal_first_name = forms.CharField(label="Legal first name", max_length=100)
    legal_last_name = forms.CharField(label="Legal last name", max_length=100)
    preferred_name = forms.CharField(
        label="Preferred name (optional)",
        max_length=100,
        required=False,
        help_text="What the child likes to be called, if different.",
    )
    date_of_birth = DateField(label="Date of birth", help_text="For example, 27 3 2014")
    gender = forms.ChoiceField(choices=Gender.choices, widget=forms.RadioSelect)
    upn = forms.CharField(
        label="Unique pupil number (UPN) (optional)",
        max_length=20,
        required=False,
        help_text="13 characters, starting with a letter. Ask the school if you do not know it.",
    )
    social_care_id = forms.CharField(
        label="Social care ID (optional)", max_length=40, required=False
    )
    ethnicity = forms.CharField(max_length=100, required=False, label="Ethnicity (optional)")
    first_language = forms.CharField(
        max_length=100, required=False, label="First language (optional)"
    )
    sen_status = forms.ChoiceField(
        label="Special educational needs",
        choices=SenStatus.choices,
        widget=forms.RadioSelect,
        initial=SenStatus.NONE,
    )
    ehcp_date = DateField(
        label="Date of the EHCP (if the child has one)", required=False, require_all_fields=False
    )

    detail_fields = (
        "legal_first_name",
        "legal_last_name",
        "preferred_name",
        "date_of_birth",
        "gender",
        "upn",
        "social_care_id",
        "ethnicity",
        "first_language",
        "sen_status",
        "ehcp_date",
    )

    def clean_upn(self) -> str:
        upn = normalise_upn(self.cleaned_data["upn"])
        if upn:
            validate_upn(upn)
        return upn

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("sen_status") == SenStatus.EHCP and not data.get("ehcp_date"):
            self.add_error("ehcp_date", "Enter the date of the EHCP")
        return data

    def details(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.detail_fields}

    def details_layout(self) -> Fieldset:
        return Fieldset(
            Field.text("legal_first_name", field_width=20),
            Field.text("legal_last_name", field_width=20),
            Field.text("preferred_name", field_width=20),
            Field("date_of_birth"),
            Field.radios("gender", inline=True, legend_size=Size.SMALL),
            Field.text("upn", field_width=20),
            Field.text("social_care_id", field_width=20),
            Field.text("ethnicity", field_width=20),
            Field.text("first_language", field_width=20),
            Field.radios("sen_status", legend_size=Size.SMALL),
            Field("ehcp_date"),
            legend="About the child",
            legend_size=Size.MEDIUM,
        )


class ChildRegisterForm(ChildDetailsForm, PlacementFields):
    entered_care_on = DateField(label="Date the child became looked after")
    emergency_placement = forms.TypedChoiceField(
        label="Was it an emergency placement?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        help_text="The first PEP is due sooner after an emergency placement.",
    )
    legal_status = forms.ChoiceField(choices=[("", "Choose legal status"), *LegalStatus.choices])
    school = SchoolUrnField(
        label="School URN",
        required=False,
        help_text="Leave blank if the child has no school place.",
    )
    social_worker = StaffChoiceField(
        queryset=User.objects.none(), required=False, empty_label="Not allocated yet"
    )
    virtual_school_adviser = StaffChoiceField(
        queryset=User.objects.none(), required=False, empty_label="Not allocated yet"
    )

    def __init__(self, *args: Any, authority_id: int, **kwargs: Any) -> None:
        super().__init__(*args, authority_id=authority_id, **kwargs)
        self.fields["social_worker"].queryset = _authority_staff(authority_id, Role.SOCIAL_WORKER)
        self.fields["virtual_school_adviser"].queryset = _authority_staff(
            authority_id, Role.VIRTUAL_SCHOOL_STAFF
        )
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page template holds the <form>
        self.helper.layout = Layout(
            self.details_layout(),
            Fieldset(
                Field("entered_care_on"),
                Field.radios("emergency_placement", inline=True, legend_size=Size.SMALL),
                Field.select("legal_status"),
                legend="Coming into care",
                legend_size=Size.MEDIUM,
            ),
            Fieldset(
                *self.placement_layout(),
                legend="Where the child lives",
                legend_size=Size.MEDIUM,
            ),
            Fieldset(
                Field.text("school", field_width=10), legend="School", legend_size=Size.MEDIUM
            ),
            Fieldset(
                Field.select("social_worker"),
                Field.select("virtual_school_adviser"),
                legend="Allocated staff",
                legend_size=Size.MEDIUM,
            ),
            Button("submit", "Continue"),  # to "check your answers"
        )


class ChildEditForm(ChildDetailsForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page template holds the <form>
        self.helper.layout = Layout(self.details_layout(), Button("submit", "Save changes"))


class PlacementForm(PlacementFields):
    required_messages = {
        "placement_type": "Select the type of placement",
        "started_on": "Enter the date the child moved in",
    }

    started_on = DateField(label="Date the child moved in")

    def __init__(self, *args: Any, authority_id: int, **kwargs: Any) -> None:
        super().__init__(*args, authority_id=authority_id, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page template holds the <form>
        self.helper.layout = Layout(
            *self.placement_layout(),
            Field("started_on"),
            Button("submit", "Record placement"),
        )


class SchoolMoveForm(PortalForm):
    required_messages = {"started_on": "Enter the date of the change"}

    school = SchoolUrnField(
        label="New school URN",
        required=False,
        help_text="Leave blank if the child no longer has a school place.",
    )
    started_on = DateField(label="Date of the change")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page template holds the <form>
        self.helper.layout = Layout(
            Field.text("school", field_width=10),
            Field("started_on"),
            Button("submit", "Record school change"),
        )


class CareLeaveForm(PortalForm):
    required_messages = {
        "left_on": "Enter the date the child left care",
        "reason": "Select why the child left care",
    }

    left_on = DateField(label="Date the child left care")
    reason = forms.ChoiceField(
        label="Why the child left care",
        choices=[("", "Choose a reason"), *leaving_reason_choices()],
        help_text="The reasons of the SSDA903 return (REC).",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page template holds the <form>
        self.helper.layout = Layout(
            Field("left_on"), Field.select("reason"), Button("submit", "Record leaving care")
        )


class AllocateForm(StorableTextMixin, forms.Form):
    social_worker = StaffChoiceField(
        queryset=User.objects.none(), required=False, empty_label="Not allocated"
    )
    virtual_school_adviser = StaffChoiceField(
        queryset=User.objects.none(), required=False, empty_label="Not allocated"
    )
    independent_reviewing_officer = StaffChoiceField(
        queryset=User.objects.none(), required=False, empty_label="Not allocated"
    )

    def __init__(self, *args: Any, authority_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        roles = {
            "social_worker": Role.SOCIAL_WORKER,
            "virtual_school_adviser": Role.VIRTUAL_SCHOOL_STAFF,
            "independent_reviewing_officer": Role.INDEPENDENT_REVIEWING_OFFICER,
        }
        for name, role in roles.items():
            self.fields[name].queryset = _authority_staff(authority_id, role)
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page template holds the <form>
        self.helper.layout = Layout(*(Field.select(n) for n in roles), Button("submit", "Save"))


class DelegateForm(PortalForm):
    required_messages = {"delegate": "Choose the colleague to delegate to"}

    delegate = StaffChoiceField(
        queryset=User.objects.none(), label="Colleague", empty_label="Choose a colleague"
    )

    def __init__(self, *args: Any, school_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["delegate"].queryset = delegate_choices(school_id=school_id)
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page template holds the <form>
        self.helper.layout = Layout(Field.select("delegate"), Button("submit", "Delegate"))


class ChildSearchForm(StorableTextMixin, forms.Form):
    q = forms.CharField(label="Name, UPN or social care ID", required=False, max_length=100)
    template = forms.ChoiceField(
        label="PEP template", required=False, choices=[("", "Any"), *PepTemplate.choices]
    )
    # Typed, not chosen: a large authority has hundreds of social workers, and a menu of them
    # took most of the page's time to draw (issue 20). Matched in SQL; works without JavaScript.
    social_worker = forms.CharField(
        label="Social worker",
        help_text="Part of their name, or their e-mail address",
        required=False,
        max_length=100,
    )
    no_school_place = forms.BooleanField(label="Only children with no school place", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page template holds the <form>
        self.helper.form_method = "get"
        self.helper.layout = Layout(
            Field.text("q", field_width=20, label_size=Size.SMALL),
            Field.select("template", label_size=Size.SMALL),
            Field.text("social_worker", field_width=20, label_size=Size.SMALL),
            Field.checkbox("no_school_place", small=True),
            Button("search", "Apply filters"),
        )


class SettingForm(PortalForm):
    """A setting the GIAS download does not hold, or a correction to one."""

    required_messages = {
        "kind": "Select the kind of setting",
        "name": "Enter the setting's name",
    }

    kind = forms.ChoiceField(
        label="Kind of setting", choices=SettingKind.choices, widget=forms.RadioSelect
    )
    name = forms.CharField(
        label="Name",
        max_length=200,
        help_text="For home education, EOTAS or NEET, a name that says what it is, for example "
        "'Home education (Walsall)'.",
    )
    urn = forms.CharField(
        label="URN (schools, colleges and early years providers)",
        max_length=6,
        required=False,
        help_text="6 digits: GIAS's for a school or college, Ofsted's for an early years provider.",
    )
    ukprn = forms.CharField(
        label="UKPRN (training providers, employers and colleges), if it has one",
        max_length=8,
        required=False,
        help_text="8 digits starting with 1, from the UK Register of Learning Providers.",
    )
    contact_name = forms.CharField(label="Named contact", max_length=200, required=False)
    email = forms.EmailField(label="Contact e-mail", max_length=254, required=False)
    has_designated_teacher = forms.BooleanField(
        label="Someone at the setting does the school's sections on the portal (a designated "
        "teacher, or the named contact with an account)",
        required=False,
        help_text="If not, the child's social worker owns those sections, as with no school place.",
    )
    town = forms.CharField(label="Town", max_length=100, required=False)
    postcode = forms.CharField(label="Postcode", max_length=10, required=False)

    def __init__(self, *args: Any, gias: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: list[Any] = [
            Field.radios("kind", legend_size=Size.SMALL, small=True),
            Field.text("name"),
            Field.text("urn", field_width=10),
            Field.text("ukprn", field_width=10),
        ]
        if gias:
            # GIAS owns a school's kind, name and URN: a correction comes with its next file.
            for name in ("kind", "name", "urn"):
                del self.fields[name]
            fields = [Field.text("ukprn", field_width=10)]
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page template holds the <form>
        self.helper.layout = Layout(
            *fields,
            Field.text("contact_name"),
            Field.text("email"),
            Field.checkbox("has_designated_teacher", small=True),
            Field.text("town", field_width=20),
            Field.text("postcode", field_width=10),
            Button("submit", "Save the setting"),
        )

    def clean_urn(self) -> int | None:
        value = self.cleaned_data["urn"].strip()
        if not value:
            return None
        # ASCII digits only: int() would also take "١٢٣٤٥٦" or "1_2345".
        if not (len(value) == 6 and value.isascii() and value.isdigit()):
            raise ValidationError("Enter the URN as 6 digits, for example 990101")
        return int(value)

    def clean_ukprn(self) -> str:
        value = self.cleaned_data["ukprn"].strip()
        if value and not (
            len(value) == 8 and value.isascii() and value.isdigit() and value[0] == "1"
        ):
            raise ValidationError("Enter the UKPRN as 8 digits starting with 1, like 10012345")
        return value


class AdviceRequestForm(PortalForm):
    """A parent's or a school's request about a previously looked-after child."""

    required_messages = {
        "received_on": "Enter the date the request was received",
        "requester_kind": "Select who asked",
        "requester_name": "Enter the name of the person who asked",
        "topic": "Select what the request is about",
        "question": "Enter what they asked",
    }

    child = forms.ModelChoiceField(
        label="Child on the portal (left care here)",
        queryset=Child.objects.none(),
        required=False,
        empty_label="Not on the portal",
    )
    child_name = forms.CharField(
        label="Child's name, as the requester gave it",
        max_length=200,
        required=False,
        help_text="Needed if the child is not on the portal (adopted from elsewhere, or from "
        "another authority's care).",
    )
    school = SchoolUrnField(label="The child's school or setting (optional)", required=False)
    received_on = DateField(label="Date received")
    requester_kind = forms.ChoiceField(
        label="Who asked", choices=AdviceRequester.choices, widget=forms.RadioSelect
    )
    requester_name = forms.CharField(label="Their name", max_length=200)
    requester_contact = forms.CharField(
        label="Their e-mail or telephone (optional)", max_length=200, required=False
    )
    topic = forms.ChoiceField(
        label="What it is about", choices=[("", "Choose"), *AdviceTopic.choices]
    )
    question = forms.CharField(label="What they asked", max_length=2000, widget=forms.Textarea)

    def __init__(self, *args: Any, authority_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["child"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = previously_looked_after_choices(authority_id=authority_id)
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page template holds the <form>
        self.helper.layout = Layout(
            Field.select("child"),
            Field.text("child_name"),
            Field.text("school", field_width=10),
            Field("received_on"),
            Field.radios("requester_kind", legend_size=Size.SMALL, small=True),
            Field.text("requester_name"),
            Field.text("requester_contact"),
            Field.select("topic"),
            Field.textarea("question", rows=5),
            Button("submit", "Log the request"),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        named = data.get("child") or (data.get("child_name") or "").strip()
        if not named and "child_name" not in self.errors:
            self.add_error("child_name", "Choose the child or enter their name")
        return data


class AdviceOutcomeForm(PortalForm):
    required_messages = {
        "outcome": "Select the outcome",
        "closed_on": "Enter the date the request was closed",
    }

    outcome = forms.ChoiceField(
        label="Outcome", choices=AdviceOutcome.choices, widget=forms.RadioSelect
    )
    outcome_notes = forms.CharField(
        label="What was done (optional)",
        max_length=2000,
        required=False,
        widget=forms.Textarea,
    )
    closed_on = DateField(label="Date closed")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page template holds the <form>
        self.helper.layout = Layout(
            Field.radios("outcome", legend_size=Size.SMALL, small=True),
            Field.textarea("outcome_notes", rows=4),
            Field("closed_on"),
            Button("submit", "Record the outcome"),
        )


class SocialWorkerCountForm(PortalForm):
    required_messages = {
        "school": "Enter the school's URN",
        "children": "Enter how many children with a social worker attend the school",
        "counted_on": "Enter the date they were counted",
    }

    school = SchoolUrnField(label="School or setting")
    children = forms.IntegerField(
        label="Children with a social worker", min_value=0, max_value=10_000
    )
    counted_on = DateField(label="Date counted")
    contact_name = forms.CharField(
        label="The school's contact for them (optional)", max_length=200, required=False
    )
    contact_email = forms.EmailField(
        label="The contact's e-mail (optional)", max_length=254, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].required = True
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page template holds the <form>
        self.helper.layout = Layout(
            Field.text("school", field_width=10),
            Field.text("children", field_width=4),
            Field("counted_on"),
            Field.text("contact_name"),
            Field.text("contact_email"),
            Button("submit", "Save the count"),
        )


def _coded(table: dict[str, Any]) -> list[tuple[str, str]]:
    """An SSDA903 code list as choices: "C2: Full care order"."""
    return [("", "Not recorded")] + [
        (code, f"{code}: {meaning[0] if isinstance(meaning, tuple) else meaning}")
        for code, meaning in table.items()
    ]


class EpisodeCorrectForm(PortalForm):
    """Correcting what was recorded about a time in care (often by the case system's import);
    the next import keeps the correction."""

    legal_status = forms.ChoiceField(choices=LegalStatus.choices)
    emergency_placement = forms.TypedChoiceField(
        label="Was it an emergency placement?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    ssda903_legal_status = forms.ChoiceField(
        label="Legal status (SSDA903 LS)",
        choices=_coded(ssda903_codes.LEGAL_STATUS),
        required=False,
    )
    ssda903_reason_new = forms.ChoiceField(
        label="Reason for new episode (SSDA903 RNE)",
        choices=_coded(ssda903_codes.REASON_NEW_EPISODE),
        required=False,
    )
    ssda903_category_of_need = forms.ChoiceField(
        label="Category of need (SSDA903 CIN)",
        choices=_coded(ssda903_codes.CATEGORY_OF_NEED),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page template holds the <form>
        self.helper.layout = Layout(
            Field.select("legal_status"),
            Field.radios("emergency_placement", inline=True, legend_size=Size.SMALL),
            Field.select("ssda903_legal_status"),
            Field.select("ssda903_reason_new"),
            Field.select("ssda903_category_of_need"),
            Button("submit", "Save the correction"),
        )


class PlacementCorrectForm(PortalForm):
    """Correcting what was recorded about a placement (often by the case system's import);
    the next import keeps the correction."""

    placement_type = forms.ChoiceField(label="Type of placement", choices=PlacementType.choices)
    ssda903_place = forms.ChoiceField(
        label="Placement type (SSDA903 PLACE)",
        choices=_coded(ssda903_codes.PLACEMENT),
        required=False,
    )
    ssda903_provider = forms.ChoiceField(
        label="Placement provider (SSDA903 PLACE_PROVIDER)",
        choices=_coded(ssda903_codes.PLACEMENT_PROVIDER),
        required=False,
    )
    ofsted_urn = forms.RegexField(
        label="Placement URN (Ofsted) (optional)",
        regex=r"^[A-Za-z0-9]{1,8}$",
        max_length=8,
        required=False,
        error_messages={"invalid": "Enter the Ofsted URN: up to 8 letters and numbers"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page template holds the <form>
        self.helper.layout = Layout(
            Field.select("placement_type"),
            Field.select("ssda903_place"),
            Field.select("ssda903_provider"),
            Field.text("ofsted_urn", field_width=10),
            Button("submit", "Save the correction"),
        )
