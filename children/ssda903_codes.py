"""The SSDA903 code lists, and what each code means for the portal.

Source: the Department for Education's "Children looked after by local authorities in England:
guide to the SSDA903 collection, 1 April 2017 to 31 March 2018" (collection year 2017 to 2018),
the year of ../shared/data/ssda903/. Labels are the guide's, shortened where it is long-winded.
A later year's return that adds a code is refused by the import until the code is added here
(an unknown code makes a row meaningless).
"""

from .models import Cohort, Gender, LegalStatus, PlacementType

# SEX
SEX = {"1": Gender.MALE, "2": Gender.FEMALE}

# ETHNIC
ETHNIC = {
    "WBRI": "White British",
    "WIRI": "White Irish",
    "WOTH": "Any other White background",
    "WIRT": "Traveller of Irish heritage",
    "WROM": "Gypsy/Roma",
    "MWBC": "White and Black Caribbean",
    "MWBA": "White and Black African",
    "MWAS": "White and Asian",
    "MOTH": "Any other mixed background",
    "AIND": "Indian",
    "APKN": "Pakistani",
    "ABAN": "Bangladeshi",
    "AOTH": "Any other Asian background",
    "BCRB": "Caribbean",
    "BAFR": "African",
    "BOTH": "Any other Black background",
    "CHNE": "Chinese",
    "OOTH": "Any other ethnic group",
    "REFU": "Refused",
    "NOBT": "Information not yet obtained",
}

# UPN: the codes a return gives instead of a UPN when the child has none (the child is imported
# without a UPN, with a warning for someone to find it).
UNKNOWN_UPN = {
    "UN1": "Child was aged under 6 years old and had not yet started school",
    "UN2": "Child has never attended school",
    "UN3": "Child is educated at home",
    "UN4": "Child newly looked after: UPN not yet obtained",
    "UN5": "Sources that hold UPNs do not hold one for this child",
}

# RNE: reason for new episode
REASON_NEW_EPISODE = {
    "S": "Started to be looked after",
    "L": "Change of legal status only",
    "P": "Change of placement and carer(s) only",
    "T": "Change of both legal status and placement and carer(s) at the same time",
    "B": "Change of placement (but same carer(s)) only",
    "U": "Change of legal status and change of placement (but same carer(s)) at the same time",
}
# The RNE codes that mean the child moved (a new placement); "L" changes only the legal status.
PLACEMENT_CHANGES = frozenset({"S", "P", "T", "B", "U"})

# LS: legal status, and the portal's coarser legal status for each.
LEGAL_STATUS = {
    "C1": ("Interim care order", LegalStatus.INTERIM_CARE_ORDER),
    "C2": ("Full care order", LegalStatus.CARE_ORDER),
    "D1": ("Freeing order granted", LegalStatus.PLACEMENT_ORDER),
    "E1": ("Placement order granted", LegalStatus.PLACEMENT_ORDER),
    "J1": ("Remanded to local authority accommodation or youth detention", LegalStatus.REMAND),
    "J2": ("Placed in local authority accommodation under PACE", LegalStatus.OTHER),
    "J3": ("Sentenced to a supervision order with residence requirement", LegalStatus.OTHER),
    "L1": (
        "Under police protection and in local authority accommodation",
        LegalStatus.POLICE_PROTECTION,
    ),
    "L2": ("Emergency protection order", LegalStatus.EMERGENCY_PROTECTION),
    "L3": ("Under child assessment order and in local authority accommodation", LegalStatus.OTHER),
    "V2": ("Single period of accommodation under section 20", LegalStatus.SECTION_20),
    "V3": (
        "Accommodated under an agreed series of short-term breaks (episodes)",
        LegalStatus.SECTION_20,
    ),
    "V4": (
        "Accommodated under an agreed series of short-term breaks (agreements)",
        LegalStatus.SECTION_20,
    ),
}

# CIN: category of need
CATEGORY_OF_NEED = {
    "N1": "Abuse or neglect",
    "N2": "Child's disability",
    "N3": "Parental illness or disability",
    "N4": "Family in acute stress",
    "N5": "Family dysfunction",
    "N6": "Socially unacceptable behaviour",
    "N7": "Low income",
    "N8": "Absent parenting",
}

# PLACE: placement type, and the portal's coarser placement type for each.
PLACEMENT = {
    "A3": ("Placed for adoption with consent with current foster carer(s)", PlacementType.ADOPTION),
    "A4": (
        "Placed for adoption with consent not with current foster carer(s)",
        PlacementType.ADOPTION,
    ),
    "A5": (
        "Placed for adoption with placement order with current foster carer(s)",
        PlacementType.ADOPTION,
    ),
    "A6": (
        "Placed for adoption with placement order not with current foster carer(s)",
        PlacementType.ADOPTION,
    ),
    "H5": ("Semi-independent living accommodation", PlacementType.SEMI_INDEPENDENT),
    "K1": ("Secure children's home", PlacementType.SECURE),
    "K2": ("Children's home", PlacementType.RESIDENTIAL),
    "P1": (
        "Placed with own parent(s) or other person(s) with parental responsibility",
        PlacementType.WITH_PARENTS,
    ),
    "P2": (
        "Independent living (flat, lodgings, bedsit, B&B or with friends)",
        PlacementType.SEMI_INDEPENDENT,
    ),
    "P3": ("Residential employment", PlacementType.OTHER),
    "R1": ("Residential care home", PlacementType.RESIDENTIAL),
    "R2": (
        "NHS or health trust establishment providing medical or nursing care",
        PlacementType.OTHER,
    ),
    "R3": ("Family centre or mother and baby unit", PlacementType.OTHER),
    "R5": ("Young offender institution or prison", PlacementType.SECURE),
    "S1": (
        "Residential school (not dual-registered as a children's home)",
        PlacementType.RESIDENTIAL,
    ),
    "T0": ("Temporary move: all types", PlacementType.OTHER),
    "T1": ("Temporary period in hospital", PlacementType.OTHER),
    "T2": ("Temporary absence of the child on holiday", PlacementType.OTHER),
    "T3": ("Temporary accommodation whilst normal foster carer(s) on holiday", PlacementType.OTHER),
    "T4": ("Temporary accommodation of seven days or less", PlacementType.OTHER),
    "U1": ("Foster placement with relative(s) or friend(s): long term", PlacementType.KINSHIP),
    "U2": (
        "Foster placement with relative(s) or friend(s) who is an approved adopter",
        PlacementType.KINSHIP,
    ),
    "U3": ("Foster placement with relative(s) or friend(s): other", PlacementType.KINSHIP),
    "U4": ("Foster placement with other foster carer: long term", PlacementType.FOSTER),
    "U5": (
        "Foster placement with other foster carer who is an approved adopter",
        PlacementType.FOSTER,
    ),
    "U6": ("Foster placement with other foster carer: other", PlacementType.FOSTER),
    "Z1": ("Other placement", PlacementType.OTHER),
}

# PLACE_PROVIDER
PLACEMENT_PROVIDER = {
    "PR0": "Parent(s) or other person(s) with parental responsibility",
    "PR1": "Own provision (by the local authority)",
    "PR2": "Other local authority provision",
    "PR3": "Other public provision (for example, by a health trust)",
    "PR4": "Private provision",
    "PR5": "Voluntary or third sector provision",
}

# REASON_PLACE_CHANGE
REASON_PLACE_CHANGE = {
    "ALLEG": "Allegation (section 47)",
    "APPRR": "Approval removed",
    "CARPL": "Change to or implementation of the care plan",
    "CHILD": "Child requests placement end",
    "CLOSE": "Resignation or closure of provision",
    "CREQB": "Carer(s) request placement end due to the child's behaviour",
    "CREQO": "Carer(s) request placement end other than due to the child's behaviour",
    "CUSTOD": "Custody arrangement",
    "LAREQ": "Responsible or area authority requests placement end",
    "OTHER": "Other",
    "PLACE": "Change in the status of placement only",
    "STAND": "Standards of care concern",
}

# REC: reason episode ceased. X1 continues the period of care in a new episode; every other code
# ends it: the child leaves care.
CONTINUES = "X1"
REASON_CEASED = {
    CONTINUES: "Episode ceases and a new one begins on the same day",
    "E11": "Adopted: application for an adoption order unopposed",
    "E12": "Adopted: consent dispensed with by the court",
    "E2": "Died",
    "E3": "Care taken over by another local authority in the UK",
    "E4A": "Returned home to live with parent(s) or relative(s) as part of the care plan",
    "E4B": "Returned home to live with parent(s) or relative(s), not part of the care plan",
    "E5": "Moved into independent living with supportive accommodation",
    "E6": "Moved into independent living with no formalised support",
    "E7": "Transferred to residential care funded by adult social care",
    "E8": "Period of being looked after ceased for any other reason",
    "E9": "Sentenced to custody",
    "E13": "Left care to live with parent(s) or relative(s) without parental responsibility",
    "E14": "Accommodation on remand ended",
    "E15": "Age assessment determined the child is aged 18 or over",
    "E16": "Child moved abroad",
    "E17": "Aged 18 (or over) and remained with current carers (including staying put)",
    "E41": "Residence order or child arrangements order granted",
    "E45": "Special guardianship order to former foster carer(s) who are relatives or friends",
    "E46": "Special guardianship order to former foster carer(s) who are not relatives or friends",
    "E47": "Special guardianship order to other carer(s) who are relatives or friends",
    "E48": "Special guardianship order to other carer(s) who are not relatives or friends",
}

# Leaving care through adoption, a special guardianship order or a child arrangements order makes
# the child "previously looked after" (Children and Social Work Act 2017, s4): the virtual school
# still advises their parents and schools.
PREVIOUSLY_LOOKED_AFTER_REASONS = frozenset({"E11", "E12", "E41", "E45", "E46", "E47", "E48"})


def cohort_after_leaving(reason_code: str) -> Cohort:
    if reason_code in PREVIOUSLY_LOOKED_AFTER_REASONS:
        return Cohort.PREVIOUSLY_LOOKED_AFTER
    return Cohort.LEFT_CARE


def leaving_reason_choices() -> list[tuple[str, str]]:
    """The reasons a person can give on the leaving care screen: every REC code but X1."""
    return [(code, label) for code, label in REASON_CEASED.items() if code != CONTINUES]
