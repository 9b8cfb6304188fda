import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english(settings):
    # The tests read the English source strings; zh-hans is the product's default language.
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield

