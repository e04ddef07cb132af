from odoo import http
from odoo.http import request
from odoo.tools import SQL

ANSWERS = ('confirm', 'decline')
# The page loads the clinic's styles and logo and posts its form to itself: nothing else, no frame.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def page_response(html):
    """A patient's page: never cached, indexed, framed (clickjacking of its buttons) nor leaking its link."""
    return request.make_response(
        html,
        headers=[
            ('Content-Type', 'text/html; charset=utf-8'),
            ('X-Robots-Tag', 'noindex, nofollow'),
            ('Cache-Control', 'no-store'),
            ('Referrer-Policy', 'no-referrer'),
            ('X-Frame-Options', 'DENY'),
            ('Content-Security-Policy', CONTENT_SECURITY_POLICY),
        ],
    )


class DentalAppointmentController(http.Controller):
    """The patient's confirmation page, reached from the link of a reminder (like calendar's invitations).

    Shows only the date, time, clinic and dentist; the answers are POSTed with
    the CSRF token. Wrong, used and expired links show a polite page and
    change nothing. Changes run as superuser through the appointment's own
    transitions.
    """

    @http.route('/dental/c/<int:appointment_id>/<string:token>', type='http', auth='public', methods=['GET'])
    def appointment_page(self, appointment_id, token, **kwargs):
        appointment = request.env['dental.appointment']._dental_from_token(appointment_id, token)
        if not appointment:
            return self._render(appointment, 'invalid')
        status = appointment._dental_link_status()
        if status != 'valid':
            appointment._dental_log_link_use(status)
        return self._render(appointment, status)

    @http.route(
        '/dental/c/<int:appointment_id>/<string:token>/<string:answer>', type='http', auth='public', methods=['POST']
    )
    def appointment_answer(self, appointment_id, token, answer, **kwargs):
        appointment = request.env['dental.appointment']._dental_from_token(appointment_id, token)
        if not appointment or answer not in ANSWERS:
            return self._render(appointment.browse(), 'invalid')
        # Two answers at once: the second waits here and then finds the link used.
        request.env.cr.execute(SQL('SELECT id FROM dental_appointment WHERE id = %s FOR UPDATE', appointment.id))
        appointment.invalidate_recordset()
        status = appointment._dental_link_status()
        if status != 'valid':
            appointment._dental_log_link_use(status)
            return self._render(appointment, status)
        appointment._dental_patient_answer(answer)
        return self._render(appointment, 'confirmed' if answer == 'confirm' else 'cancelled')

    def _render(self, appointment, status):
        if appointment:
            lang = appointment.patient_id._dental_reminder_partner().lang or appointment.company_id.partner_id.lang
            company = appointment.company_id
        else:
            # A wrong link tells nothing, not even which clinics this server hosts.
            lang = request.env.lang
            company = request.env['res.company']
        values = {'status': status, 'company': company, 'appointment': appointment}
        if appointment:
            facts = appointment.with_context(lang=lang)._dental_message_values()
            values.update(
                {
                    'weekday': facts['local_weekday'],
                    'date': facts['local_date'],
                    'hour': facts['local_time'],
                    'dentist': facts['dentist_name'],
                    'clinic': facts['clinic_name'],
                    'action_url': f'/dental/c/{appointment.id}/{appointment.dental_confirm_token}',
                }
            )
        html = (
            request.env['ir.ui.view']
            .sudo()
            .with_context(lang=lang)
            ._render_template('dental_clinic.appointment_answer_page', values)
        )
        return page_response(html)


class DentalWaitlistOfferController(http.Controller):
    """The page behind a short-notice offer's link: the freed slot and one button to take it.

    Same rules as the confirmation page: the token is compared in constant
    time, a wrong link tells nothing, the answer is POSTed with the CSRF
    token. Accepting runs as superuser (``dental.waitlist.offer._dental_accept``),
    under a lock of the slot's offers: the first patient gets it, the others
    see it taken.
    """

    @http.route('/dental/o/<int:offer_id>/<string:token>', type='http', auth='public', methods=['GET'])
    def offer_page(self, offer_id, token, **kwargs):
        offer = request.env['dental.waitlist.offer']._dental_from_token(offer_id, token)
        return self._render(offer, offer._dental_link_status() if offer else 'invalid')

    @http.route('/dental/o/<int:offer_id>/<string:token>/accept', type='http', auth='public', methods=['POST'])
    def offer_accept(self, offer_id, token, **kwargs):
        offer = request.env['dental.waitlist.offer']._dental_from_token(offer_id, token)
        if not offer:
            return self._render(offer, 'invalid')
        return self._render(offer, offer._dental_accept())

    def _render(self, offer, status):
        if offer:
            lang = offer.partner_id.lang or offer.company_id.partner_id.lang
            company = offer.company_id
        else:
            # A wrong link tells nothing, not even which clinics this server hosts.
            lang = request.env.lang
            company = request.env['res.company']
        values = {'status': status, 'company': company}
        if offer and status in ('valid', 'accepted'):
            facts = offer.with_context(lang=lang)._dental_message_values()
            values.update(
                {
                    'weekday': facts['local_weekday'],
                    'date': facts['local_date'],
                    'hour': facts['local_time'],
                    'dentist': facts['dentist_name'],
                    'clinic': company.name,
                    'action_url': f'/dental/o/{offer.id}/{offer.token}/accept',
                }
            )
        html = (
            request.env['ir.ui.view']
            .sudo()
            .with_context(lang=lang)
            ._render_template('dental_clinic.waitlist_offer_page', values)
        )
        return page_response(html)
