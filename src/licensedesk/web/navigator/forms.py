"""The navigator's forms: the answers (Chinese labels first; each maps to one path of the answers) and
the choice of company and licenses for opening cases."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from licensedesk.core.labels import enum_labels
from licensedesk.core.navigator.answers import Answers, AnswersError, parse_answers
from licensedesk.core.provinces import all_provinces
from licensedesk.web.cases.display import current_lang
from licensedesk.web.cases.models import ClientCompany


def _attrs(testid: str, **attrs: Any) -> dict[str, Any]:
    return {"data-testid": f"nav-{testid}", **attrs}


def _yes(testid: str, label: Any, help_text: Any = "") -> forms.BooleanField:
    return forms.BooleanField(
        label=label, required=False, help_text=help_text, widget=forms.CheckboxInput(attrs=_attrs(testid))
    )


TRAVEL_CHOICES = [
    ("none", _("No travel agency business")),
    ("domestic_inbound", _("Domestic and inbound tourism")),
    ("outbound", _("Outbound tourism as well")),
]
AUCTION_CHOICES = [
    ("none", _("No auctions")),
    ("general", _("General auctions")),
    ("cultural_relics", _("Auctions of cultural relics")),
]
SCOPE_CHOICES = [("local", _("Local (one province)")), ("national", _("National"))]


class AnswersForm(forms.Form):
    """One field per answer; ``answers()`` turns a valid form into validated :class:`Answers`."""

    province = forms.ChoiceField(
        label=_("Province of the domicile"), widget=forms.Select(attrs=_attrs("province"))
    )
    city = forms.CharField(
        label=_("City"), required=False, max_length=50, widget=forms.TextInput(attrs=_attrs("city"))
    )
    foreign_investors = _yes("foreign-investors", _("Has foreign investors (incl. Hong Kong, Macao, Taiwan)"))
    website_or_app = _yes("website", _("Runs a website, app or mini-program"))
    charges_users_or_advertisers = _yes(
        "charges", _("The site or app is paid: fees from users, memberships or advertising")
    )
    third_party_merchants_trade_on_platform = _yes(
        "merchants", _("Other businesses sell or take orders on it (marketplace, booking, delivery)")
    )
    users_across_provinces = _yes("across-provinces", _("Serves users in more than one province"))
    content_areas = forms.MultipleChoiceField(
        label=_("Content it publishes"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs=_attrs("content-areas")),
    )
    dispatches_workers_to_other_employers = _yes("dispatch", _("Dispatches its workers to other employers"))
    travel = forms.ChoiceField(
        label=_("Travel agency business"),
        choices=TRAVEL_CHOICES,
        initial="none",
        widget=forms.RadioSelect(attrs=_attrs("travel")),
    )
    hazardous_trades = _yes("hazchem-trades", _("Trades in hazardous chemicals"))
    hazardous_stores = _yes("hazchem-stores", _("Keeps hazardous chemicals in its own storage"))
    pawn_lending = _yes("pawn", _("Lends against pawned goods"))
    auctions = forms.ChoiceField(
        label=_("Auctions"),
        choices=AUCTION_CHOICES,
        initial="none",
        widget=forms.RadioSelect(attrs=_attrs("auctions")),
    )
    outbound_investment = _yes("odi", _("Plans an investment outside mainland China"))
    odi_amount_usd = forms.DecimalField(
        label=_("Chinese investment (USD)"),
        required=False,
        min_value=0,
        max_digits=15,
        decimal_places=2,
        widget=forms.NumberInput(attrs=_attrs("odi-amount", min="0", step="any")),
    )
    odi_sensitive = _yes(
        "odi-sensitive",
        _("Sensitive country, region or industry"),
        _(
            "No diplomatic relations, war or sanctions; weapons, cross-border water, news media, "
            "real estate, hotels, cinemas, entertainment, sports clubs, funds without projects."
        ),
    )
    charitable_foundation = _yes("foundation", _("Plans to set up a charitable foundation"))
    foundation_public_fundraising = _yes(
        "foundation-public", _("The foundation will raise funds from the public")
    )
    foundation_scope = forms.ChoiceField(
        label=_("Foundation registered"),
        choices=SCOPE_CHOICES,
        initial="local",
        widget=forms.RadioSelect(attrs=_attrs("foundation-scope")),
    )
    cross_border_vehicles_hk = _yes("vehicles", _("Wants Guangdong–Hong Kong cross-border vehicle plates"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lang = current_lang()
        self.fields["province"].choices = [("", "—")] + [
            (p.code, p.name_zh if lang == "zh" else p.name_en) for p in all_provinces()
        ]
        self.fields["content_areas"].choices = [
            (value, labels[lang]) for value, labels in enum_labels("content_area").items() if value != "none"
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("outbound_investment") and data.get("odi_amount_usd") is None:
            self.add_error("odi_amount_usd", _("Give the amount of the planned investment."))
        if not data.get("website_or_app"):
            online_details = (
                "charges_users_or_advertisers",
                "third_party_merchants_trade_on_platform",
                "users_across_provinces",
            )
            if any(data.get(name) for name in online_details) or data.get("content_areas"):
                self.add_error(
                    "website_or_app", _("The questions about a website or app apply only if it runs one.")
                )
        return data

    def answers_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        answers: dict[str, Any] = {
            "province": data["province"],
            "city": data["city"] or None,
            "foreign_investors": data["foreign_investors"],
            "online": {
                "website_or_app": data["website_or_app"],
                "charges_users_or_advertisers": data["charges_users_or_advertisers"],
                "third_party_merchants_trade_on_platform": data["third_party_merchants_trade_on_platform"],
                "users_across_provinces": data["users_across_provinces"],
                "content_areas": list(data["content_areas"]),
            },
            "dispatches_workers_to_other_employers": data["dispatches_workers_to_other_employers"],
            "travel": data["travel"],
            "hazardous_chemicals": {
                "trades": data["hazardous_trades"],
                "stores_on_site": data["hazardous_stores"],
            },
            "pawn_lending": data["pawn_lending"],
            "auctions": data["auctions"],
            "outbound_investment": None,
            "charitable_foundation": None,
            "cross_border_vehicles_hk": data["cross_border_vehicles_hk"],
        }
        if data["outbound_investment"]:
            answers["outbound_investment"] = {
                "amount_usd": float(data["odi_amount_usd"]),
                "sensitive": data["odi_sensitive"],
            }
        if data["charitable_foundation"]:
            answers["charitable_foundation"] = {
                "public_fundraising": data["foundation_public_fundraising"],
                "scope": data["foundation_scope"],
            }
        return answers

    def answers(self) -> Answers | None:
        """The validated answers, or None with the problems added to the form."""
        try:
            return parse_answers(self.answers_data())
        except AnswersError as exc:
            for problem in exc.problems:
                self.add_error(None, problem)
            return None


class OpenCasesForm(forms.Form):
    """Which company, and which of the needed in-catalog licenses, to open cases for. The answers
    travel with the form (as JSON) and are validated again: the service re-runs the navigator."""

    answers = forms.CharField(widget=forms.HiddenInput)
    company = forms.ModelChoiceField(
        queryset=ClientCompany.objects.none(),
        label=_("Client company"),
        empty_label="—",
        widget=forms.Select(attrs=_attrs("company")),
    )
    licenses = forms.MultipleChoiceField(
        label=_("Licenses to open cases for"),
        widget=forms.CheckboxSelectMultiple(attrs=_attrs("licenses")),
    )

    def __init__(
        self, *args: Any, companies: Any, licenses: Iterable[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = companies
        self.fields["licenses"].choices = list(licenses)

    def clean_answers(self) -> Answers:
        try:
            return parse_answers(json.loads(self.cleaned_data["answers"]))
        except (ValueError, AnswersError):
            raise forms.ValidationError(_("The answers were lost; fill in the questions again.")) from None


def form_data_from_answers(answers: Answers) -> dict[str, Any]:
    """The answers as the form's data, to show the questions again as they were answered."""
    online = answers.online
    data: dict[str, Any] = {
        "province": answers.province,
        "city": answers.city or "",
        "foreign_investors": answers.foreign_investors,
        "website_or_app": online.website_or_app,
        "charges_users_or_advertisers": online.charges_users_or_advertisers,
        "third_party_merchants_trade_on_platform": online.third_party_merchants_trade_on_platform,
        "users_across_provinces": online.users_across_provinces,
        "content_areas": [area for area in online.content_areas if area != "none"],
        "dispatches_workers_to_other_employers": answers.dispatches_workers_to_other_employers,
        "travel": answers.travel,
        "hazardous_trades": answers.hazardous_chemicals.trades,
        "hazardous_stores": answers.hazardous_chemicals.stores_on_site,
        "pawn_lending": answers.pawn_lending,
        "auctions": answers.auctions,
        "outbound_investment": answers.outbound_investment is not None,
        "charitable_foundation": answers.charitable_foundation is not None,
        "foundation_scope": "local",
        "cross_border_vehicles_hk": answers.cross_border_vehicles_hk,
    }
    if answers.outbound_investment is not None:
        data["odi_amount_usd"] = answers.outbound_investment.amount_usd
        data["odi_sensitive"] = answers.outbound_investment.sensitive
    if answers.charitable_foundation is not None:
        data["foundation_public_fundraising"] = answers.charitable_foundation.public_fundraising
        data["foundation_scope"] = answers.charitable_foundation.scope
    # a checkbox is sent only when ticked: drop the unticked ones, as a browser would
    return {key: value for key, value in data.items() if value is not False}
