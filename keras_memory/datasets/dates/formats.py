"""How dates are written in English, French and German.

`render(date, language, format_name)` writes a `datetime.date` in one of the
`FORMATS`; `FORMAT_EXAMPLES` shows every format on 3 May 1999 (a Monday).
The names of months and weekdays are those of `MONTHS`, `MONTH_ABBREVIATIONS`,
`WEEKDAYS` and `WEEKDAY_ABBREVIATIONS` (Monday first, as `date.weekday()`).

Every source string has exactly one reading: numeric dates use a separator
of their own in each language (English "5/3/1999" is month/day/year, French
"03-05-1999" and German "03.05.1999" are day.month.year), since "5/3/1999"
in both English and French orders would make the target undecidable; and a
two-digit year `yy` means `19yy` for `yy >= 50` and `20yy` below
(`SHORT_YEAR_RANGE`, 1950 to 2049), the formats with two-digit years being
written only for dates in that range.
"""

import datetime

from keras_memory import validation

LANGUAGES = ("en", "fr", "de")

MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July",
           "August", "September", "October", "November", "December"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet",
           "août", "septembre", "octobre", "novembre", "décembre"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli",
           "August", "September", "Oktober", "November", "Dezember"),
}
MONTH_ABBREVIATIONS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
           "Nov", "Dec"),
    "fr": ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août",
           "sept.", "oct.", "nov.", "déc."),
    "de": ("Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.",
           "Sept.", "Okt.", "Nov.", "Dez."),
}
WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
           "Sunday"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi",
           "dimanche"),
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag",
           "Samstag", "Sonntag"),
}
WEEKDAY_ABBREVIATIONS = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "fr": ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."),
    "de": ("Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."),
}

# The years that a two-digit year stands for (the pivot at 50).
SHORT_YEAR_RANGE = (1950, 2049)


def _english_ordinal(day):
    if day in (11, 12, 13):
        return f"{day}th"
    return f"{day}" + {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def _day(date, language):
    """The day number as the language writes it before a month name."""
    return f"{date.day}." if language == "de" else f"{date.day}"


def _day_month(date, language, months):
    return f"{_day(date, language)} {months[language][date.month - 1]}"


def _weekday_day_month_year(date, language):
    weekday = WEEKDAYS[language][date.weekday()]
    comma = "," if language == "de" else ""
    return f"{weekday}{comma} {_day_month(date, language, MONTHS)} {date.year}"


def _weekday_abbreviated(date, language):
    weekday = WEEKDAY_ABBREVIATIONS[language][date.weekday()]
    comma = "" if language == "fr" else ","
    return f"{weekday}{comma} {_day_month(date, language, MONTHS)} {date.year}"


def _day_month_year(date, language):
    return f"{_day_month(date, language, MONTHS)} {date.year}"


def _ordinal(date, language):
    month = MONTHS[language][date.month - 1]
    if language == "en":
        return f"{month} {_english_ordinal(date.day)}, {date.year}"
    if language == "fr":
        day = "1er" if date.day == 1 else f"{date.day}"
        return f"le {day} {month} {date.year}"
    return f"am {date.day}. {month} {date.year}"


def _abbreviated_month(date, language):
    return f"{_day_month(date, language, MONTH_ABBREVIATIONS)} {date.year}"


def _short_year(date, language):
    return f"{_day_month(date, language, MONTHS)} {date.year % 100:02d}"


def _abbreviated_month_short_year(date, language):
    return f"{_day_month(date, language, MONTH_ABBREVIATIONS)} {date.year % 100:02d}"


def _upper(date, language):
    return _weekday_day_month_year(date, language).upper()


def _lower(date, language):
    weekday = WEEKDAY_ABBREVIATIONS[language][date.weekday()]
    comma = "" if language == "fr" else ","
    written = f"{weekday}{comma} {_day_month(date, language, MONTH_ABBREVIATIONS)} {date.year}"
    return written.lower()


def _numeric(date, language, year):
    if language == "en":
        return f"{date.month}/{date.day}/{year}"
    separator = "-" if language == "fr" else "."
    return f"{date.day:02d}{separator}{date.month:02d}{separator}{year}"


# Format name -> (writer, whether the year is written with two digits).
_WRITERS = {
    "weekday_day_month_year": (_weekday_day_month_year, False),
    "weekday_abbreviated": (_weekday_abbreviated, False),
    "day_month_year": (_day_month_year, False),
    "ordinal": (_ordinal, False),
    "abbreviated_month": (_abbreviated_month, False),
    "short_year": (_short_year, True),
    "abbreviated_month_short_year": (_abbreviated_month_short_year, True),
    "upper": (_upper, False),
    "lower": (_lower, False),
    "numeric": (lambda date, language: _numeric(date, language, f"{date.year}"), False),
    "numeric_short_year": (
        lambda date, language: _numeric(date, language, f"{date.year % 100:02d}"), True
    ),
}
FORMATS = tuple(_WRITERS)
SHORT_YEAR_FORMATS = tuple(name for name, (_, short) in _WRITERS.items() if short)


def render(date, language, format_name):
    """Writes `date` (a `datetime.date`) in a language and format.

    Args:
        date: A `datetime.date`; for the formats with a two-digit year
            (`SHORT_YEAR_FORMATS`), a year in `SHORT_YEAR_RANGE`.
        language: One of `LANGUAGES`.
        format_name: One of `FORMATS`.

    Returns:
        The written date, a string.

    Example:

    >>> import datetime
    >>> render(datetime.date(1999, 5, 4), "de", "weekday_day_month_year")
    'Dienstag, 4. Mai 1999'
    """
    validation.check_choice("language", language, LANGUAGES)
    validation.check_choice("format_name", format_name, FORMATS)
    writer, short = _WRITERS[format_name]
    if short and not SHORT_YEAR_RANGE[0] <= date.year <= SHORT_YEAR_RANGE[1]:
        raise ValueError(
            f"Received an invalid value for argument `date`, expected a year in "
            f"[{SHORT_YEAR_RANGE[0]}, {SHORT_YEAR_RANGE[1]}] for the two-digit-year "
            f"format {format_name!r}, got {date!r}."
        )
    return writer(date, language)


def _examples():
    date = datetime.date(1999, 5, 3)
    return {
        language: {name: render(date, language, name) for name in FORMATS}
        for language in LANGUAGES
    }


# {language: {format name: 3 May 1999 written in it}}.
FORMAT_EXAMPLES = _examples()
