"""How the dates are written: every format, the true weekday, one reading."""

import datetime

import pytest
from testing_utils import assert_invalid_argument

from keras_memory.datasets import dates

# Names written independently of the package's tables (checked by hand).
FRENCH_WEEKDAYS = "lundi mardi mercredi jeudi vendredi samedi dimanche".split()
GERMAN_WEEKDAYS = "Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag".split()


def test_every_format_of_every_language_on_one_date():
    assert len(dates.FORMATS) >= 10
    # 4 May 1999 was a Tuesday.
    date = datetime.date(1999, 5, 4)
    written = {
        (language, name): dates.render(date, language, name)
        for language in dates.LANGUAGES
        for name in dates.FORMATS
    }
    assert written[("en", "weekday_day_month_year")] == "Tuesday 4 May 1999"
    assert written[("fr", "weekday_day_month_year")] == "mardi 4 mai 1999"
    assert written[("de", "weekday_day_month_year")] == "Dienstag, 4. Mai 1999"
    assert written[("en", "ordinal")] == "May 4th, 1999"
    assert written[("fr", "ordinal")] == "le 4 mai 1999"
    assert written[("de", "ordinal")] == "am 4. Mai 1999"
    assert written[("en", "numeric")] == "5/4/1999"
    assert written[("fr", "numeric")] == "04-05-1999"
    assert written[("de", "numeric_short_year")] == "04.05.99"
    assert written[("fr", "short_year")] == "4 mai 99"
    assert written[("de", "abbreviated_month_short_year")] == "4. Mai 99"
    assert written[("en", "upper")] == "TUESDAY 4 MAY 1999"
    assert written[("de", "lower")] == "di., 4. mai 1999"
    # September shows the abbreviations.
    september = datetime.date(2001, 9, 1)
    assert dates.render(september, "fr", "abbreviated_month") == "1 sept. 2001"
    assert dates.render(september, "fr", "ordinal") == "le 1er septembre 2001"
    assert dates.render(september, "de", "abbreviated_month") == "1. Sept. 2001"
    assert dates.render(september, "en", "abbreviated_month") == "1 Sep 2001"
    assert dates.render(september, "en", "ordinal") == "September 1st, 2001"
    assert dates.render(datetime.date(2001, 8, 12), "en", "ordinal") == "August 12th, 2001"
    assert dates.render(datetime.date(2001, 8, 23), "en", "ordinal") == "August 23rd, 2001"
    assert dates.render(datetime.date(2001, 3, 2), "de", "upper") == "FREITAG, 2. MÄRZ 2001"
    assert dates.render(datetime.date(2001, 8, 2), "fr", "upper") == "JEUDI 2 AOÛT 2001"
    assert dates.FORMAT_EXAMPLES["de"]["weekday_day_month_year"] == "Montag, 3. Mai 1999"


@pytest.mark.parametrize("language", dates.LANGUAGES)
def test_weekdays_are_the_true_weekdays(language):
    examples = dates.date_normalization(
        300, languages=[language], formats=["weekday_day_month_year"], seed=3
    )
    for source, target in zip(examples.sources, examples.targets):
        date = datetime.date.fromisoformat(target)
        if language == "en":  # strptime reads English names (C locale) itself
            assert datetime.datetime.strptime(source, "%A %d %B %Y").date() == date
        else:
            names = FRENCH_WEEKDAYS if language == "fr" else GERMAN_WEEKDAYS
            assert source.split()[0].rstrip(",") == names[date.weekday()]


def test_every_source_has_one_reading():
    # Every date of four years, in every language and format: no string
    # stands for two dates (numeric separators differ by language).
    readings = {}
    first = datetime.date(1998, 1, 1)
    for offset in range(4 * 365):
        date = first + datetime.timedelta(days=offset)
        for language in dates.LANGUAGES:
            for name in dates.FORMATS:
                source = dates.render(date, language, name)
                assert readings.setdefault(source, date) == date, source


def test_two_digit_years_pivot_at_1950():
    assert dates.render(datetime.date(1950, 1, 2), "de", "numeric_short_year") == "02.01.50"
    assert dates.render(datetime.date(2049, 1, 2), "en", "numeric_short_year") == "1/2/49"
    with pytest.raises(ValueError, match="argument `date`.*two-digit-year"):
        dates.render(datetime.date(1949, 12, 31), "fr", "short_year")


def test_render_bad_arguments():
    date = datetime.date(2000, 1, 1)
    assert_invalid_argument(dates.render, "language", "es", date, "es", "upper")
    assert_invalid_argument(dates.render, "format_name", "iso", date, "en", "iso")
