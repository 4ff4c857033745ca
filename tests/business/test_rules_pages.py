"""The «Правила», rule form (with its preview), «Измерения» and «Ручные назначения» pages: what people see in
Russian, what they can change, and that a viewer and another organization cannot."""

from __future__ import annotations

from datetime import date

import pytest
from django_tenants.utils import schema_context

from apps.allocation.models import AllocationState, Dimension, ResourceOverride, Rule
from apps.costs.services.rollups import cost_rollups_refresh
from tests.costs.explorer_data import ledger, row

pytestmark = pytest.mark.django_db

D1 = date(2026, 6, 10)


def _named(day, billed, name, **kw):
    record = row(day, billed, resource=name, **kw)
    record.resource_name = name
    return record


@pytest.fixture
def estate(w, time_machine):
    time_machine.move_to("2026-06-20 12:00:00+03:00", tick=False)
    with schema_context(w.alpha.schema_name):
        ledger([_named(D1, "100", "shop-prod-web"), _named(D1, "60", "shop-dev-web")])
        cost_rollups_refresh(start=D1, end=D1)
    return w


def _rule(order, name, conditions, actions, **kw):
    return Rule.objects.create(order=order, name=name, conditions=conditions, actions=actions, **kw)


def test_the_rules_page_lists_rules_in_words_with_conflicts_and_progress(estate, client_for):
    with schema_context(estate.alpha.schema_name):
        first = _rule(10, "Прод", [{"field": "name", "op": "regex", "value": "-prod-"}], {"environment": "prod"})
        _rule(20, "Магазин", [{"field": "name", "op": "regex", "value": "^shop-"},
                              {"field": "tag:team", "op": "exists"}], {"environment": "stage"})
        _rule(30, "Все", [], {"environment": "dev"})
        AllocationState.objects.update_or_create(id=1, defaults={"status": "running", "days_total": 40,
                                                                  "days_done": 10, "version": 3})
    page = client_for(estate.vera, "alpha").get("/business/rules/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Правила распределения" in html
    assert "Имя ресурса соответствует регулярному выражению «-prod-»" in html
    assert "тег «team» задан" in html
    assert "Окружение = prod" in html
    # «Прод» and «Все» both match shop-prod-web (the tag rule matches nothing: no tags)
    assert f'data-conflict="{first.pk}-' in html
    assert "порядок" in html.lower() and "побеждает" in html
    assert "10 из 40 дней" in html and "pct-25" in html and "data-running" in html
    assert 'href="/business/rules/new/"' not in html  # a viewer gets no editing
    assert 'data-business-tab="rules"' in html and 'data-business-tab="dimensions"' in html


def test_owner_reorders_toggles_and_deletes(estate, client_for):
    with schema_context(estate.alpha.schema_name):
        a = _rule(10, "А", [], {"environment": "prod"})
        b = _rule(20, "Б", [], {"environment": "dev"})
    alice = client_for(estate.alice, "alpha")
    assert alice.post(f"/business/rules/{b.pk}/move/", {"direction": "up"}).status_code == 302
    assert alice.post(f"/business/rules/{a.pk}/toggle/").status_code == 302
    with schema_context(estate.alpha.schema_name):
        assert list(Rule.objects.order_by("order").values_list("name", "enabled")) == [("Б", True), ("А", False)]
    assert alice.post(f"/business/rules/{a.pk}/delete/").status_code == 302
    with schema_context(estate.alpha.schema_name):
        assert list(Rule.objects.values_list("name", flat=True)) == ["Б"]


def _form(**extra):
    data = {"name": "Прод", "enabled": "1", "order": "",
            "cond_field_0": "name", "cond_tag_0": "", "cond_op_0": "regex", "cond_value_0": "-prod-",
            "cond_field_1": "", "cond_tag_1": "", "cond_op_1": "regex", "cond_value_1": "",
            "act_key_0": "environment", "act_value_0": "prod", "act_key_1": "", "act_value_1": ""}
    data.update(extra)
    return data


def test_the_rule_form_previews_then_saves(estate, client_for):
    alice = client_for(estate.alice, "alpha")
    form = alice.get("/business/rules/new/")
    assert form.status_code == 200
    assert "Предпросмотр" in form.content.decode() and "Сохранить" in form.content.decode()
    preview = alice.post("/business/rules/new/", _form(action="preview"))
    assert preview.status_code == 200
    html = preview.content.decode()
    assert 'data-preview-cost>100,00\xa0₽' in html  # shop-prod-web's 100 roubles move to prod
    assert "shop-prod-web" in html and "shop-dev-web" not in html.split("data-preview-table")[1]
    assert "Не распределено → prod" in html
    with schema_context(estate.alpha.schema_name):
        assert not Rule.objects.exists()  # a preview saves nothing
    saved = alice.post("/business/rules/new/", _form(action="save"))
    assert saved.status_code == 302 and saved["Location"] == "/business/rules/"
    with schema_context(estate.alpha.schema_name):
        rule = Rule.objects.get()
        assert (rule.conditions, rule.actions) == ([{"field": "name", "op": "regex", "value": "-prod-"}],
                                                   {"environment": "prod"})
    edit = alice.get(f"/business/rules/{rule.pk}/")
    assert edit.status_code == 200 and 'value="-prod-"' in edit.content.decode()


def test_the_rule_form_shows_a_bad_regex_with_its_position(estate, client_for):
    answer = client_for(estate.alice, "alpha").post("/business/rules/new/",
                                                    _form(action="save", cond_value_0="shop-(prod"))
    assert answer.status_code == 400
    assert "Условие 1: Ошибка в регулярном выражении в позиции 6" in answer.content.decode()


def test_a_tag_condition_row_becomes_tag_key(estate, client_for):
    client_for(estate.alice, "alpha").post("/business/rules/new/", _form(
        action="save", cond_field_0="tag", cond_tag_0="team", cond_op_0="exists", cond_value_0=""))
    with schema_context(estate.alpha.schema_name):
        assert Rule.objects.get().conditions == [{"field": "tag:team", "op": "exists"}]


def test_viewer_cannot_open_or_post_the_editing_pages(estate, client_for):
    vera = client_for(estate.vera, "alpha")
    assert vera.get("/business/rules/new/").status_code == 403
    assert vera.post("/business/rules/new/", _form(action="save")).status_code == 403
    assert vera.post("/business/rules/apply/").status_code == 403
    assert vera.post("/business/dimensions/", {"key": "team", "name": "Команда"}).status_code == 403
    assert vera.get("/business/overrides/edit/?resource=x").status_code == 403
    with schema_context(estate.alpha.schema_name):
        assert not Rule.objects.exists() and not Dimension.objects.filter(key="team").exists()


def test_another_organization_sees_none_of_the_rules(estate, client_for):
    with schema_context(estate.alpha.schema_name):
        rule = _rule(10, "Секрет альфы", [], {"environment": "prod"})
    bob = client_for(estate.bob, "beta")
    assert "Секрет альфы" not in bob.get("/business/rules/").content.decode()
    assert bob.get(f"/business/rules/{rule.pk}/").status_code == 404
    assert client_for(estate.bob, "alpha").get("/business/rules/").status_code == 403


def test_dimensions_page_adds_and_edits(estate, client_for):
    alice = client_for(estate.alice, "alpha")
    page = alice.get("/business/dimensions/").content.decode()
    assert "Бизнес-направление" in page and "alloc:business_unit" in page
    assert alice.post("/business/dimensions/", {"key": "team", "name": "Команда",
                                                 "values": "core\ndata"}).status_code == 302
    assert alice.post("/business/dimensions/environment/", {"values": "prod\nstage, dev",
                                                            "required": "1"}).status_code == 302
    bad = alice.post("/business/dimensions/", {"key": "Team", "name": "x"})
    assert bad.status_code == 400 and "латинских" in bad.content.decode()
    with schema_context(estate.alpha.schema_name):
        assert set(Dimension.objects.get(key="team").values.values_list("value", flat=True)) == {"core", "data"}
        env = Dimension.objects.get(key="environment")
        assert set(env.values.values_list("value", flat=True)) == {"prod", "stage", "dev"} and env.required


def test_overrides_pages_set_and_remove_values_with_a_note(estate, client_for):
    alice = client_for(estate.alice, "alpha")
    form = alice.get("/business/overrides/edit/", {"resource": "shop-dev-web"})
    assert form.status_code == 200 and "Бизнес-направление" in form.content.decode()
    saved = alice.post("/business/overrides/edit/", {"resource": "shop-dev-web", "connection": "",
                                                     "value_business_unit": "lab", "note": "R&D платит"})
    assert saved.status_code == 302
    listed = alice.get("/business/overrides/").content.decode()
    assert "shop-dev-web" in listed and "Бизнес-направление = lab" in listed and "R&amp;D платит" in listed
    alice.post("/business/overrides/edit/", {"resource": "shop-dev-web", "connection": "", "action": "delete"})
    with schema_context(estate.alpha.schema_name):
        assert not ResourceOverride.objects.exists()


def test_support_sees_the_allocation_tables_in_the_data_view(estate, client_for):
    from apps.accounts.models import User
    from tests.utils import russian

    with schema_context(estate.alpha.schema_name):
        _rule(10, "Прод по имени", [{"field": "name", "op": "regex", "value": "-prod-"}], {"environment": "prod"})
    staff = User.objects.create_superuser(email="support@infrazen.test", password="Support-Pass-1")
    client = client_for(staff, HTTP_ACCEPT_LANGUAGE="ru")
    html = client.get(f"/admin/tenants/organization/{estate.alpha.pk}/data/").content.decode()
    assert "Прод по имени" in html
    for name in ("allocation dimensions", "dimension values", "allocation rules", "manual allocations",
                 "shared costs", "business metrics", "allocation state"):
        label = russian(name)
        assert f"{label[0].upper()}{label[1:]}" in html, name


def test_the_pages_carry_no_inline_code(estate, client_for):
    from tests.common.test_content_security_policy import inline_code_problems

    with schema_context(estate.alpha.schema_name):
        rule = _rule(10, "Прод", [{"field": "name", "op": "regex", "value": "-prod-"}], {"environment": "prod"})
    alice = client_for(estate.alice, "alpha")
    for url in ("/business/rules/", "/business/rules/new/", f"/business/rules/{rule.pk}/", "/business/dimensions/",
                "/business/overrides/", "/business/overrides/edit/?resource=shop-dev-web"):
        response = alice.get(url)
        assert response.status_code == 200, url
        assert inline_code_problems(response) == [], url
    preview = alice.post("/business/rules/new/", _form(action="preview"))
    assert inline_code_problems(preview) == []
