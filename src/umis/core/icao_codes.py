"""Nationality and issuing-state codes of ICAO 9303 that are not ISO 3166-1 countries.

Plain data with no Django dependency, so that file tools (`umis identity dedupe`) can
check codes without starting the application; `core.reference` loads them as countries.
"""

from __future__ import annotations

# ICAO Doc 9303 Part 3 codes that are valid as nationality or issuing state but are not
# ISO 3166-1 countries. (The one-letter "D" for Germany is mapped to DEU by the MRZ
# reader, not stored as a country.)
ICAO_SPECIAL: tuple[tuple[str, str, str, str], ...] = (
    ("XXA", "Vətəndaşlığı olmayan şəxs", "Stateless person", "Лицо без гражданства"),
    (
        "XXB",
        "Qaçqın (1951-ci il Konvensiyası)",
        "Refugee (1951 Convention)",
        "Беженец (Конвенция 1951 года)",
    ),
    ("XXC", "Qaçqın (digər)", "Refugee (other)", "Беженец (иное основание)"),
    ("XXX", "Vətəndaşlığı göstərilməyib", "Unspecified nationality", "Гражданство не указано"),
    (
        "UNO",
        "Birləşmiş Millətlər Təşkilatı",
        "United Nations Organization",
        "Организация Объединённых Наций",
    ),
    (
        "UNA",
        "BMT-nin ixtisaslaşmış təsisatı",
        "United Nations specialized agency",
        "Специализированное учреждение ООН",
    ),
    (
        "UNK",
        "Kosovo (BMT-nin Kosovodakı Missiyası)",
        "Kosovo (UN Mission in Kosovo)",
        "Косово (Миссия ООН в Косово)",
    ),
    ("EUE", "Avropa İttifaqı", "European Union", "Европейский союз"),
    ("XOM", "Suveren Malta Ordeni", "Sovereign Military Order of Malta", "Мальтийский орден"),
    ("XPO", "İnterpol", "Interpol", "Интерпол"),
    (
        "XCC",
        "Karib Birliyi (KARİKOM)",
        "Caribbean Community (CARICOM)",
        "Карибское сообщество (КАРИКОМ)",
    ),
    ("RKS", "Kosovo", "Kosovo", "Косово"),
)
