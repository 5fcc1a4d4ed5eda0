"""Plain words for the inputs and lever settings shown in the explorer and the tornado chart.

One table, ``INPUT_LABELS``: field path -> (plain label, unit). Budget lines and levers not in
the table get a label built from their name (:func:`input_label`). Metric labels live with the
metrics (:func:`talentsim.plots.style.label_of`).
"""

from __future__ import annotations

#: money is in constant 2024 prices (colleagues' price basis); shown on every money axis
PRICE_BASIS = "constant 2024 prices"
MONEY = f"KRW bn, {PRICE_BASIS}"
MONEY_PER_YEAR = f"KRW bn a year, {PRICE_BASIS}"

LEVER_NAMES = {
    "graduate_seats": "Graduate-school places",
    "phd_fellowships": "PhD fellowships",
    "undergrad_ai_programs": "Undergraduate AI places",
    "reskilling": "Reskilling",
    "retention_pay": "Retention pay",
    "talent_visas": "Talent visas",
    "diaspora_return": "Diaspora return packages",
    "rd_compute": "AI R&D and compute",
}

#: what one unit of each lever is, and what its ``effect`` means (schema.Levers)
LEVER_SETTINGS = {
    "graduate_seats": ("student place for a year", "", ""),
    "phd_fellowships": ("funded PhD student-year", "extra PhD applicants per fellowship", "people per fellowship"),
    "undergrad_ai_programs": ("AI-track entrant place", "share of funded places filled", "fraction"),
    "reskilling": ("trainee", "share of trainees who become AI workers", "fraction"),
    "retention_pay": ("worker covered for a year", "pay raise of covered workers", "fraction"),
    "talent_visas": ("recruit", "share of recruits who would not have come anyway", "fraction"),
    "diaspora_return": ("return package", "share of returnees who would not have returned anyway", "fraction"),
    "rd_compute": ("KRW 1 bn of R&D/compute", "AI jobs funded per KRW bn", "people per KRW bn"),
}

INPUT_LABELS: dict[str, tuple[str, str]] = {
    "demography.births.tfr": ("Total fertility rate", "children per woman"),
    "demography.s18": ("18-year-olds per birth 18 years earlier", "ratio"),
    "education.entry_rate": ("Share of 18-year-olds entering tertiary education", "fraction"),
    "education.four_year_share": ("Share of entrants at four-year universities", "fraction"),
    "education.ai_share": ("Share of four-year entrants on AI-relevant tracks", "fraction"),
    "education.ai_share.value": ("Share of four-year entrants on AI-relevant tracks (2024)", "fraction"),
    "education.ai_share.rate": ("Yearly growth of the AI-track share", "fraction a year"),
    "education.bachelor_completion": ("Share of AI-track undergraduates who graduate", "fraction"),
    "education.male_share": ("Share of men among AI-track students", "fraction"),
    "education.service_share": ("Share of those men serving mid-degree", "fraction"),
    "education.service_years": ("Years out of study for military service", "years"),
    "education.destinations.master": ("Bachelor's graduates going on to a master's", "fraction"),
    "education.destinations.phd": ("Bachelor's graduates going straight to a PhD", "fraction"),
    "education.destinations.ai_job": ("Bachelor's graduates taking an AI job", "fraction"),
    "education.destinations.abroad": ("Bachelor's graduates leaving to study or work abroad", "fraction"),
    "workforce.initial.total": ("AI workforce at the end of 2023", "people"),
    "workforce.initial.diaspora": ("Korean AI workers abroad at the end of 2023", "people"),
    "workforce.attrition": ("Yearly share of AI workers moving to non-AI work", "fraction a year"),
    "workforce.take_up_response": ("Response of graduates' AI-job take-up to shortages", "multiplier"),
    "market.demand": ("AI labour demand", "people"),
    "market.adjustment_speed": ("Speed at which AI pay adjusts to shortages", "fraction a year"),
    "market.shortage_sensitivity": ("Rise of the AI pay premium per unit of shortage", "ratio"),
    "migration.emigration.base_rate": ("Yearly emigration rate of AI workers at today's pay", "fraction a year"),
    "migration.emigration.elasticity": ("Response of emigration to the pay gap abroad", "logit per log pay ratio"),
    "migration.emigration.regions.us.pay_ratio": ("US pay relative to Korean pay", "ratio"),
    "migration.emigration.regions.china.pay_ratio": ("Chinese pay relative to Korean pay", "ratio"),
    "migration.emigration.regions.other_asia.pay_ratio": ("Other Asian pay relative to Korean pay", "ratio"),
    "migration.emigration.regions.europe.pay_ratio": ("European pay relative to Korean pay", "ratio"),
    "migration.returns.base_rate": ("Yearly return rate of Korean AI workers abroad", "fraction a year"),
    "migration.returns.elasticity": ("Response of returns to the pay gap", "logit per log pay ratio"),
    "migration.immigration.base_inflow": ("Foreign AI workers arriving a year at today's pay", "people a year"),
    "migration.immigration.elasticity": ("Response of immigration to Korean AI pay", "elasticity"),
    "migration.immigration.home_premium": ("AI pay premium in origin countries", "fraction"),
}
for _prog, _word in (("master", "Master's"), ("phd", "PhD")):
    INPUT_LABELS.update({
        f"graduate_school.{_prog}.base_seats": (f"{_word} places in AI fields (without the budget lines)", "places"),
        f"graduate_school.{_prog}.years": (f"Years to complete a {_word}", "years"),
        f"graduate_school.{_prog}.completion": (f"Share of {_word} students who graduate", "fraction"),
        f"graduate_school.{_prog}.international_share": (f"International students' share of {_word} places",
                                                         "fraction"),
        f"graduate_school.{_prog}.reapply_share": (f"Unplaced {_word} applicants who try again", "fraction"),
        f"graduate_school.{_prog}.ai_job": (f"{_word} graduates taking an AI job", "fraction"),
        f"graduate_school.{_prog}.abroad": (f"{_word} graduates leaving for abroad", "fraction"),
        f"graduate_school.{_prog}.to_phd": (f"{_word} graduates going on to a PhD", "fraction"),
    })
INPUT_LABELS.update({
    "graduate_school.international_stay_rate": ("International graduates who stay to work in Korea", "fraction"),
    "graduate_school.international_ai_job": ("Of those who stay, share in AI jobs", "fraction"),
    "graduate_school.bought_master_share": ("Share of budget-funded graduate places for master's", "fraction"),
})
for _lever, (_unit, _effect, _effect_unit) in LEVER_SETTINGS.items():
    _name = LEVER_NAMES[_lever]
    INPUT_LABELS[f"levers.{_lever}.cost_per_unit_krw_bn"] = (f"{_name}: cost per {_unit}", MONEY)
    INPUT_LABELS[f"levers.{_lever}.lag_years"] = (f"{_name}: years from funding to effect", "years")
    INPUT_LABELS[f"levers.{_lever}.ramp_years"] = (f"{_name}: years to reach full effect", "years")
    INPUT_LABELS[f"levers.{_lever}.cap_units"] = (f"{_name}: saturation (units)", "units")
    if _effect:
        INPUT_LABELS[f"levers.{_lever}.effect"] = (f"{_name}: {_effect}", _effect_unit)
INPUT_LABELS["levers.phd_fellowships.completion_gain"] = ("PhD fellowships: cut in dropout of funded students",
                                                          "fraction")
INPUT_LABELS["levers.undergrad_ai_programs.max_share"] = ("Undergraduate AI places: ceiling on the AI-track share",
                                                          "fraction")

#: the uncertain inputs the explorer offers a slider for (their most likely value)
MAIN_UNCERTAIN = (
    "workforce.attrition",
    "migration.emigration.base_rate",
    "migration.emigration.elasticity",
    "migration.emigration.regions.us.pay_ratio",
    "education.destinations.ai_job",
    "graduate_school.master.ai_job",
    "migration.immigration.base_inflow",
    "market.shortage_sensitivity",
)

#: plain headers of the lever-economics table (levers.csv); unknown columns keep their name
LEVER_COLUMNS = {
    "scenario": "scenario",
    "extra_budget_krw_bn": f"extra budget over the horizon ({MONEY})",
    "extra_workers_2030": "extra AI workers, 2030 (median)",
    "extra_workers_2035": "extra AI workers, 2035 (median)",
    "extra_workers_2040": "extra AI workers, 2040 (median)",
    "extra_workers_2035_p05": "extra AI workers, 2035, 5 %",
    "extra_workers_2035_p95": "extra AI workers, 2035, 95 %",
    "krw_bn_per_extra_worker_2035": f"cost per extra worker to 2035 ({MONEY})",
}


def words(name: str) -> str:
    """``msit_ai_graduate_schools`` -> ``MSIT AI graduate schools``."""
    upper = {"msit", "ai", "moel", "bk21", "stem", "rd", "phd", "us"}
    out = [w.upper() if w in upper else w for w in name.split("_")]
    text = " ".join(out)
    return text[:1].upper() + text[1:]


def input_label(path: str) -> str:
    """Plain label of an input or setting by its field path (``levers.reskilling.effect``)."""
    if path in INPUT_LABELS:
        return INPUT_LABELS[path][0]
    parts = path.split(".")
    if parts[0] == "budget_lines" and len(parts) >= 2:
        what = {"krw_bn": "amount", "scale": "multiplier of the planned amount", "first_year": "first year",
                "last_year": "last year"}.get(parts[-1], parts[-1]) if len(parts) > 2 else "amount"
        return f"Budget line '{words(parts[1])}': {what}"
    for n in range(len(parts) - 1, 0, -1):  # a yearly value of a path: "label (2030)"
        head = ".".join(parts[:n])
        if head in INPUT_LABELS:
            tail = [p for p in parts[n:] if p not in ("values", "value")]
            return INPUT_LABELS[head][0] + (f" ({', '.join(tail)})" if tail else "")
    return words(parts[-1]) + f" ({path})"


def input_unit(path: str) -> str:
    if path in INPUT_LABELS:
        return INPUT_LABELS[path][1]
    if path.startswith("budget_lines.") and path.endswith("krw_bn"):
        return MONEY_PER_YEAR
    return ""
