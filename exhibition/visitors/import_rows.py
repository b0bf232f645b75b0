"""Checking the rows of a visitors' file (importing.py): each good row becomes a VisitorRow,
each bad one the list of its problems, against reference data read once per import."""

import re
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..events.models import Event
from ..extensions import db
from ..reference.models import Province, Sector
from ..spreadsheets import (
    cell_key,
    email_cell,
    header_key,
    language_cell,
    phone_cell,
    text_problems,
)
from .forms import country_choices
from .models import VisitorCategory

# Column headers, folded (no diacritics, lower case, letters and digits only), to fields.
HEADERS = {
    "full_name": {"hovaten", "hoten", "ten", "tenkhach", "fullname", "name"},
    "email": {"email", "thudientu", "diachiemail", "emailaddress"},
    "phone": {"dienthoai", "sodienthoai", "sdt", "didong", "phone", "phonenumber", "mobile"},
    "organisation": {
        "donvi",
        "coquan",
        "tochuc",
        "congty",
        "doanhnghiep",
        "donvicongtac",
        "organisation",
        "organization",
        "company",
    },
    "job_title": {"chucvu", "chucdanh", "jobtitle", "position", "title"},
    "category": {"loaikhach", "phanloai", "maloai", "maloaikhach", "category", "categorycode"},
    "province": {
        "tinhthanh",
        "tinhthanhpho",
        "tinh",
        "tinhtp",
        "thanhpho",
        "province",
        "city",
        "provincecity",
        "provinceorcity",
        "provincecode",
    },
    "country": {"quocgia", "nuoc", "country", "countrycode"},
    "sectors": {"linhvuc", "linhvucquantam", "nganh", "nganhnghe", "sectors", "sector"},
    "language": {"ngonngu", "language", "lang"},
}


REQUIRED = {
    "full_name": _l("Full name"),
    "email": _l("E-mail"),
    "phone": _l("Phone"),
    "province": _l("Province or city"),
    "category": _l("Category"),
}


TEXT_FIELDS = {  # column: (label, longest length)
    "full_name": (_l("full name"), 120),
    "organisation": (_l("organisation"), 200),
    "job_title": (_l("job title"), 120),
}


# Written before or after a province's name in addresses ("Thành phố Hải Phòng", "Hai Phong City").
_PROVINCE_WORDS = ("thanhpho", "tinh", "tp")


_PROVINCE_SUFFIXES = ("city", "province")


@dataclass
class VisitorRow:
    """A good row, ready to store."""

    line: int
    full_name: str
    email: str
    email_key: str
    phone: str
    organisation: str
    job_title: str
    category_id: int
    province_code: str | None
    country_code: str
    sector_codes: list[str]
    language: str
    has_email: bool = True  # read by search_text_for(); the address was validated


# --- reference data, read once per import ----------------------------------------------------


@dataclass
class Lookups:
    categories: dict[str, int]  # folded code -> id
    provinces: dict[str, str]  # folded code or name -> code
    sectors: dict[str, str]  # folded code -> code
    countries: dict[str, str]  # folded code or name -> ISO code

    def province(self, text: str) -> str | None:
        key = cell_key(text)
        found = self.provinces.get(key)
        if found is None:
            for word in _PROVINCE_WORDS:
                if key.startswith(word) and key[len(word) :] in self.provinces:
                    return self.provinces[key[len(word) :]]
            for word in _PROVINCE_SUFFIXES:
                if key.endswith(word) and key[: -len(word)] in self.provinces:
                    return self.provinces[key[: -len(word)]]
        return found


@lru_cache(maxsize=1)
def _countries() -> dict[str, str]:
    """Country names in Vietnamese and English, and their ISO codes, folded, to the ISO code."""
    found = {"vn": "VN", "vietnam": "VN", "vietnamese": "VN"}
    for language in ("en", "vi"):
        for choice in country_choices(language)[1:]:  # the first is "Choose a country"
            found.setdefault(header_key(choice.value), choice.value)
            found.setdefault(header_key(choice.label), choice.value)
    return found


def read_lookups(event: Event) -> Lookups:
    categories = {
        code.casefold(): id_
        for id_, code in db.session.execute(
            sa.select(VisitorCategory.id, VisitorCategory.code).where(
                VisitorCategory.event_id == event.id
            )
        )
    }
    provinces: dict[str, str] = {}
    rows = db.session.execute(
        sa.select(Province.code, Province.name_vi, Province.name_en, Province.formed_from)
    ).all()
    for code, name_vi, name_en, _formed_from in rows:
        for name in (code, name_vi, name_en):
            provinces.setdefault(header_key(name), code)
    # Provinces merged on 1 July 2025 are still written by their old names: they lead to the new one.
    for code, _vi, _en, formed_from in rows:
        for old in (formed_from or "").split(";"):
            if old.strip():
                provinces.setdefault(header_key(old), code)
    sectors = {code.casefold(): code for code in db.session.scalars(sa.select(Sector.code))}
    return Lookups(categories, provinces, sectors, _countries())


# --- checking one row -------------------------------------------------------------------------


def _quote(text: str) -> str:
    return text if len(text) <= 40 else text[:39] + "…"


def check_row(
    line: int,
    values: dict[str, str],
    lookups: Lookups,
    default_category: int | None,
    seen: dict[str, int],
) -> VisitorRow | list[str]:
    """The row ready to store, or its problems."""
    problems = []
    full_name = values.get("full_name", "")
    if not full_name:
        problems.append(_("full name missing"))
    elif len(full_name) < 2:
        problems.append(_("full name shorter than 2 characters"))
    problems += text_problems(values, TEXT_FIELDS, names=("full_name",))

    email, problem = email_cell(values.get("email", ""), line=line, seen=seen)
    if problem:
        problems.append(problem)
    phone, problem = phone_cell(values.get("phone", ""), required=True)
    if problem:
        problems.append(problem)

    category_id = _category(values, lookups, default_category, problems)
    province_code, country_code = _place(values, lookups, problems)
    sector_codes = _sectors(values, lookups, problems)
    language, problem = language_cell(values.get("language", ""))
    if problem:
        problems.append(problem)

    if problems:
        return problems
    return VisitorRow(
        line=line, full_name=full_name, email=email, email_key=email.casefold(), phone=phone,
        organisation=values.get("organisation", ""), job_title=values.get("job_title", ""),
        category_id=category_id, province_code=province_code, country_code=country_code,
        sector_codes=sector_codes, language=language,
    )  # fmt: skip


def _category(
    values: dict[str, str], lookups: Lookups, default_category: int | None, problems: list[str]
) -> int | None:
    """The row's category (the import's default when the row has none)."""
    category_id = default_category
    if values.get("category"):
        category_id = lookups.categories.get(values["category"].casefold())
        if category_id is None:
            problems.append(_("unknown category %(code)s", code=_quote(values["category"])))
    elif category_id is None:
        problems.append(_("category missing"))
    return category_id


def _place(
    values: dict[str, str], lookups: Lookups, problems: list[str]
) -> tuple[str | None, str | None]:
    """The row's province and country codes (Vietnam unless another country is given)."""
    province_code, country_code = None, "VN"
    country = values.get("country", "")
    if country:
        country_code = lookups.countries.get(cell_key(country))
        if country_code is None:
            problems.append(_("unknown country %(name)s", name=_quote(country)))
    if values.get("province"):
        province_code = lookups.province(values["province"])
        if province_code is None:
            problems.append(_("unknown province or city %(name)s", name=_quote(values["province"])))
        elif country_code not in (None, "VN"):
            problems.append(_("a province of Vietnam is given with another country"))
    elif country_code == "VN":
        problems.append(_("province or city missing (for people from abroad, give the country)"))
    return province_code, country_code


def _sectors(values: dict[str, str], lookups: Lookups, problems: list[str]) -> list[str]:
    """The row's sector codes, each once, in the order given."""
    sector_codes = []
    if values.get("sectors"):
        unknown = []
        for part in re.split(r"[;,]", values["sectors"]):
            part = part.strip()
            if not part:
                continue
            code = lookups.sectors.get(part.casefold())
            if code is None:
                unknown.append(_quote(part))
            elif code not in sector_codes:
                sector_codes.append(code)
        if unknown:
            problems.append(_("unknown sectors: %(codes)s", codes=", ".join(unknown)))
    return sector_codes
