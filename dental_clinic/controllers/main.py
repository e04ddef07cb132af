from odoo import http
from odoo.http import request
from odoo.tools import SQL

ANSWERS = ('confirm', 'decline')
# The page loads the clinic's styles and logo and posts its form to itself: nothing else, no frame.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
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
        return request.make_response(
            html,
            headers=[
                ('Content-Type', 'text/html; charset=utf-8'),
                ('X-Robots-Tag', 'noindex, nofollow'),
                ('Cache-Control', 'no-store'),
                ('Referrer-Policy', 'no-referrer'),
                # Never inside another site's frame (clickjacking of the two answers).
                ('X-Frame-Options', 'DENY'),
                ('Content-Security-Policy', CONTENT_SECURITY_POLICY),
            ],
        )
