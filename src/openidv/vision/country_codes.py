"""The three-letter codes ICAO Doc 9303 Part 3 allows for issuing states and nationalities.

A letter misread in a country code is invisible to the check digits (no check digit covers
it), so an MRZ is only trusted when both codes are on this list. Germany's single 'D' is
kept as written in the MRZ ('D<<'); the caller strips the fillers first.
"""

from __future__ import annotations

# ISO 3166-1 alpha-3 (249 codes, as of 2024).
_ISO_3166 = """
    ABW AFG AGO AIA ALA ALB AND ARE ARG ARM ASM ATA ATF ATG AUS AUT AZE BDI BEL BEN BES
    BFA BGD BGR BHR BHS BIH BLM BLR BLZ BMU BOL BRA BRB BRN BTN BVT BWA CAF CAN CCK CHE
    CHL CHN CIV CMR COD COG COK COL COM CPV CRI CUB CUW CXR CYM CYP CZE DEU DJI DMA DNK
    DOM DZA ECU EGY ERI ESH ESP EST ETH FIN FJI FLK FRA FRO FSM GAB GBR GEO GGY GHA GIB
    GIN GLP GMB GNB GNQ GRC GRD GRL GTM GUF GUM GUY HKG HMD HND HRV HTI HUN IDN IMN IND
    IOT IRL IRN IRQ ISL ISR ITA JAM JEY JOR JPN KAZ KEN KGZ KHM KIR KNA KOR KWT LAO LBN
    LBR LBY LCA LIE LKA LSO LTU LUX LVA MAC MAF MAR MCO MDA MDG MDV MEX MHL MKD MLI MLT
    MMR MNE MNG MNP MOZ MRT MSR MTQ MUS MWI MYS MYT NAM NCL NER NFK NGA NIC NIU NLD NOR
    NPL NRU NZL OMN PAK PAN PCN PER PHL PLW PNG POL PRI PRK PRT PRY PSE PYF QAT REU ROU
    RUS RWA SAU SDN SEN SGP SGS SHN SJM SLB SLE SLV SMR SOM SPM SRB SSD STP SUR SVK SVN
    SWE SWZ SXM SYC SYR TCA TCD TGO THA TJK TKL TKM TLS TON TTO TUN TUR TUV TWN TZA UGA
    UKR UMI URY USA UZB VAT VCT VEN VGB VIR VNM VUT WLF WSM YEM ZAF ZMB ZWE
"""

# Codes ICAO 9303 adds to ISO 3166-1: Germany, British nationality classes, the EU,
# Kosovo, United Nations and other organisations, stateless persons and refugees;
# and UTO, the fictitious "Utopia" of ICAO's specimen documents, so that specimens read.
_ICAO_ADDITIONS = """
    D EUE GBD GBN GBO GBP GBS RKS UNA UNK UNO XBA XCC XCE XCO XDC XEC XES XIM XMP XOM XPO
    XXA XXB XXC XXX UTO
"""

ICAO_COUNTRY_CODES: frozenset[str] = frozenset((_ISO_3166 + _ICAO_ADDITIONS).split())


def is_icao_country_code(code: str) -> bool:
    """True for a code an MRZ may carry (without its '<' padding)."""
    return code in ICAO_COUNTRY_CODES
