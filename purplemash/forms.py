"""How forms render everywhere: a label on every control, its hint, and its error in
words beside it (with ids that aria-describedby points at), as GOV.UK's patterns do."""

from __future__ import annotations

from django.forms.renderers import TemplatesSetting


class SiteFormRenderer(TemplatesSetting):
    """Form and field templates from the project's `templates/forms/`."""

    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
