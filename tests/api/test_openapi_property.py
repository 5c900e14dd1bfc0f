"""Property test over the OpenAPI document (hypothesis, in place of schemathesis): every operation, called with
generated parameters — valid, out of range and junk — answers with a status it declares and a body that matches
the schema declared for that status. Never a 5xx."""

from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.tenders.models import Tender
from tests.api.conftest import get_json

JUNK = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)


def _value(schema: dict, known: list):
    if "enum" in schema:
        return st.one_of(st.sampled_from(schema["enum"]), JUNK)
    if schema.get("type") == "integer":
        low, high = schema.get("minimum", -10), schema.get("maximum", 10 ** 6)
        return st.one_of(st.integers(low, min(high, low + 50)), st.sampled_from(known or [1]),
                         st.integers(-10 ** 12, 10 ** 12), JUNK).map(str)
    if schema.get("format") == "date":
        return st.one_of(st.dates().map(lambda d: d.isoformat()), JUNK)
    if "pattern" in schema:
        return st.one_of(st.from_regex(schema["pattern"], fullmatch=True), JUNK)
    return JUNK


def _call(document, known_ocids, known_ids):
    operations = [(path, item["get"]) for path, item in document["paths"].items()]

    @st.composite
    def call(draw):
        path, operation = draw(st.sampled_from(operations))
        query = {}
        for param in operation["parameters"]:
            if param["in"] == "path":
                if param["name"] == "ocid":
                    value = draw(st.one_of(st.sampled_from(known_ocids), JUNK))
                else:
                    value = draw(_value(param["schema"], known_ids[param["name"]]))
                # One path segment: a slash, even encoded, is a separator to WSGI servers.
                path = path.replace("{" + param["name"] + "}", quote(value.replace("/", ""), safe="") or "x")
            elif draw(st.booleans()):
                query[param["name"]] = draw(_value(param["schema"], []))
        return path, operation, query

    return call()


@pytest.fixture
def document(client, demo, generous_limits):
    return get_json(client, "/api/v1/openapi.json")


def test_every_operation_answers_as_its_document_says(client, document):
    ocids = [get_json(client, f"/api/v1/tenders/{t.id}")["tender"]["ocid"]
             for t in db.session.execute(select(Tender).where(Tender.published_at.is_not(None))).scalars()]
    components = {"components": document["components"]}
    known_ids = {f"{kind}_id": [row["id"] for row in get_json(client, f"/api/v1/{kind}s?limit=5")["data"]]
                 for kind in ("tender", "contract", "organization", "need", "catalog")}

    @settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
              database=None)
    @given(_call(document, ocids, known_ids))
    def check(call):
        path, operation, query = call
        url = path + ("?" + urlencode(query) if query else "")
        response = client.get(url, buffered=True)  # the bulk package streams
        status = str(response.status_code)
        assert response.status_code < 500, (url, response.get_data(as_text=True)[:300])
        assert status in operation["responses"], (url, status)
        content = operation["responses"][status].get("content")
        if content:
            schema = next(iter(content.values()))["schema"]
            Draft202012Validator({**schema, **components},
                                 format_checker=Draft202012Validator.FORMAT_CHECKER).validate(response.get_json())

    check()
