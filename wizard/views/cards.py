"""The login cards of a sync's new pupils, offered on the run's result page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.generic import View

from users.cards import cards_by_registration_group, login_cards_pdf
from users.views.cards import pdf_response
from wizard.services.selectors import new_pupils_of
from wizard.views.runs import RunMixin


class RunCardsView(RunMixin, View):
    def get(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        run = self.get_run()
        pdf = login_cards_pdf(self.school, cards_by_registration_group(new_pupils_of(run)))
        return pdf_response(pdf, f"sync-{run.pk}-new-pupils")
