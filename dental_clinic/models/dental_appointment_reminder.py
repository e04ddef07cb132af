import secrets
from urllib.parse import quote

from markupsafe import Markup

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import consteq

from .dental_reminder import REMINDED_STATES, local_values
from .dental_roles import RECEPTIONIST_GROUP

# 128 random bits, URL-safe: 22 characters, short enough for an SMS.
TOKEN_BYTES = 16


def token_matches(stored, given):
    """Whether a link's token is the stored one, compared in constant time."""
    # In bytes: compare_digest refuses a str with non-ASCII characters (any URL can carry them).
    return bool(stored and given) and consteq(stored.encode(), given.encode('utf-8', 'replace'))


def whatsapp_digits(partner):
    """The digits of the partner's mobile (else phone) for a wa.me link, if in international format."""
    number = partner.mobile or partner.phone
    digits = ''.join(char for char in number or '' if char.isdigit())
    if not number or not number.strip().startswith('+') or len(digits) < 8:
        return False
    return digits


# Set by the patient's answer only (the public page, as superuser).
SYSTEM_FIELDS = {'patient_response', 'patient_response_at', 'dental_confirm_token'}


class DentalAppointment(models.Model):
    """Reminders of the appointment, the patient's confirmation link and the WhatsApp hand-off.

    Kept apart from the appointment's own file: small additive hooks only
    (a token at creation; moving, cancelling or starting withdraws queued
    reminders).
    """

    _inherit = 'dental.appointment'

    # A default rather than a value set in create(): the appointment checks what a client sends before
    # defaults are added, and no client may send a token.
    dental_confirm_token = fields.Char(
        string='Confirmation Token',
        copy=False,
        groups='base.group_system',
        index='btree_not_null',
        default=lambda self: secrets.token_urlsafe(TOKEN_BYTES),
    )
    patient_response = fields.Selection(
        [('confirmed', 'Confirmed'), ('cancelled', 'Cannot Come')],
        string='Patient\'s Answer',
        readonly=True,
        copy=False,
        help='Answer given through the reminder link, if any.',
    )
    patient_response_at = fields.Datetime(string='Answered At', readonly=True, copy=False)
    reminder_ids = fields.One2many('dental.reminder', 'appointment_id', string='Reminders')
    reminder_count = fields.Integer(compute='_compute_reminder_count')

    def _compute_reminder_count(self):
        counts = dict(
            self.env['dental.reminder']._read_group(
                [('appointment_id', 'in', self.ids)], ['appointment_id'], ['__count']
            )
        )
        for appointment in self:
            appointment.reminder_count = counts.get(appointment, 0)

    # ------------------------------------------------------------------
    # CRUD hooks
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        appointments = super().create(vals_list)
        self.env['dental.recall']._close_by_appointments(appointments)
        return appointments

    def write(self, vals):
        if not self.env.su and SYSTEM_FIELDS & set(vals):
            raise AccessError(_('The patient\'s answer is recorded by the reminder link only.'))
        old_starts = {appointment.id: appointment.start for appointment in self} if 'start' in vals else {}
        result = super().write(vals)
        moved = self.filtered(lambda a: a.id in old_starts and a.start != old_starts[a.id])
        if moved:
            # The reminders of the old time are void; new ones will be due for the new time.
            moved._dental_withdraw_reminders('moved', only_old_start=True)
            moved.sudo().write({'patient_response': False, 'patient_response_at': False})
        if 'procedure_ids' in vals:
            self.env['dental.recall']._close_by_appointments(self)
        return result

    def _set_state(self, target, **values):
        # Every state change goes through _set_state (actions, wizard, a client's write, the patient's link).
        result = super()._set_state(target, **values)
        if target in ('cancelled', 'no_show'):
            self._dental_withdraw_reminders('cancelled')
        elif target not in REMINDED_STATES:
            self._dental_withdraw_reminders('started')
        return result

    def _dental_withdraw_reminders(self, reason, only_old_start=False):
        reminders = (
            self.env['dental.reminder'].sudo().search([('appointment_id', 'in', self.ids), ('state', '=', 'queued')])
        )
        if only_old_start:
            reminders = reminders.filtered(lambda r: r.appointment_start != r.appointment_id.start)
        return reminders._withdraw(reason)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_view_reminders(self):
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'name': _('Reminders'),
            'res_model': 'dental.reminder',
            'view_mode': 'list,form',
            'domain': [('appointment_id', '=', self.id)],
            'context': {'create': False},
        }

    def action_send_whatsapp(self):
        """Open WhatsApp with the reminder typed in, for the front desk to send by hand; log the click."""
        self.ensure_one()
        self.check_access('write')
        if self.state not in REMINDED_STATES:
            raise UserError(_('Only scheduled or confirmed appointments can be reminded.'))
        blocked = self.patient_id._dental_message_block('whatsapp').get(self.patient_id.id)
        if blocked == 'opt_out':
            raise UserError(_('The patient asked not to receive reminders: no WhatsApp message.'))
        if blocked == 'no_consent':
            raise UserError(
                _('The patient withdrew consent to messages by WhatsApp: record a new consent before writing to them.')
            )
        url = self._dental_whatsapp_url()
        self._message_log(body=_('WhatsApp reminder opened by %s.', self.env.user.name))
        return {'type': 'ir.actions.act_url', 'url': url, 'target': 'new'}

    # ------------------------------------------------------------------
    # Messages
    # ------------------------------------------------------------------

    def _dental_message_values(self, start=None):
        """What every reminder says, in the current language and the clinic's time zone."""
        self.ensure_one()
        appointment = self.sudo()
        values = local_values(self.env, start or appointment.start, appointment._dental_tz())
        company = appointment.company_id
        partner = company.partner_id
        address = ', '.join(
            part for part in (partner.street, partner.street2, partner.city, partner.state_id.code, partner.zip) if part
        )
        url = appointment._dental_confirm_url()
        values.update(
            {
                'first_name': (appointment.patient_id.name or '').split(' ')[0],
                'dentist_name': appointment.dentist_id.name or '',
                'clinic_name': company.name or '',
                'clinic_details': ' · '.join(part for part in (company.name, address, company.phone) if part),
                'confirm_url': url,
                'confirm_button': Markup(
                    '<a href="%s" style="background-color: #875A7B; padding: 10px 16px; text-decoration: none; '
                    'color: #fff; border-radius: 5px;">%s</a>'
                )
                % (url, self.env._('Confirm or tell us you cannot come')),
            }
        )
        return values

    def _dental_confirm_url(self):
        self.ensure_one()
        appointment = self.sudo()
        if not appointment.dental_confirm_token:
            appointment.dental_confirm_token = secrets.token_urlsafe(TOKEN_BYTES)
        return f'{appointment.get_base_url()}/dental/c/{appointment.id}/{appointment.dental_confirm_token}'

    def _dental_whatsapp_text(self):
        self.ensure_one()
        partner = self.patient_id._dental_reminder_partner()
        appointment = self.with_context(lang=partner.lang or self.env.lang)
        values = appointment._dental_message_values()
        return appointment.env._(
            'Hello %(name)s! Reminder of your appointment on %(weekday)s, %(date)s at %(time)s with %(dentist)s '
            'at %(clinic)s. Please confirm, or tell us if you cannot come: %(url)s',
            name=values['first_name'],
            weekday=values['local_weekday'],
            date=values['local_date'],
            time=values['local_time'],
            dentist=values['dentist_name'],
            clinic=values['clinic_name'],
            url=values['confirm_url'],
        )

    def _dental_whatsapp_url(self):
        self.ensure_one()
        digits = whatsapp_digits(self.patient_id._dental_reminder_partner())
        if not digits:
            raise UserError(_('The patient (or their guardian) has no mobile number in international format.'))
        return f'https://wa.me/{digits}?text={quote(self._dental_whatsapp_text(), safe="")}'

    # ------------------------------------------------------------------
    # Confirmation link (public page, run as superuser by the controller)
    # ------------------------------------------------------------------

    @api.model
    def _dental_from_token(self, appointment_id, token):
        """The appointment the link is for, or an empty recordset; the token is compared in constant time."""
        appointment = self.sudo().browse(appointment_id).exists()
        if not appointment or not token_matches(appointment.dental_confirm_token, token):
            return self.browse()
        return appointment

    def _dental_link_status(self):
        """``valid``, ``used`` (already answered or no longer open) or ``expired`` (started)."""
        self.ensure_one()
        if self.start <= fields.Datetime.now():
            return 'expired'
        if self.patient_response or self.state not in REMINDED_STATES:
            return 'used'
        return 'valid'

    def _dental_patient_answer(self, answer):
        """Apply the patient's answer through the appointment's own transitions, as superuser."""
        self.ensure_one()
        appointment = self.with_user(SUPERUSER_ID).with_context(lang=self.company_id.partner_id.lang or 'en_US')
        _ = appointment.env._
        if answer == 'confirm':
            if appointment.state == 'scheduled':
                appointment.action_confirm()
            appointment.write({'patient_response': 'confirmed', 'patient_response_at': fields.Datetime.now()})
            appointment._message_log(body=_('The patient confirmed through the reminder link.'))
        else:
            appointment.cancel('patient', _('The patient cannot come (answer through the reminder link).'))
            appointment.write({'patient_response': 'cancelled', 'patient_response_at': fields.Datetime.now()})
            appointment._message_log(body=_('The patient answered through the reminder link that they cannot come.'))
            appointment.activity_schedule(
                'mail.mail_activity_data_todo',
                user_id=appointment._dental_front_desk_user().id,
                summary=_('Offer a new time'),
                note=_('The patient cannot come: call them to offer a new time.'),
            )

    def _dental_log_link_use(self, status):
        self.ensure_one()
        appointment = self.sudo().with_context(lang=self.company_id.partner_id.lang or 'en_US')
        _ = appointment.env._
        message = (
            _('The reminder link was opened after the appointment started; nothing changed.')
            if status == 'expired'
            else _('The reminder link was used again; nothing changed.')
        )
        # Once per appointment: anyone holding the link could otherwise fill the chatter.
        logged = (
            self.env['mail.message']
            .sudo()
            .search_count(
                [('model', '=', self._name), ('res_id', '=', self.id), ('body', 'ilike', message)],
                limit=1,
            )
        )
        if not logged:
            appointment._message_log(body=message)

    def _dental_front_desk_user(self):
        """Who offers the new time: whoever booked the appointment if on the front desk, else the admin."""
        self.ensure_one()
        creator = self.sudo().create_uid
        if creator and creator.active and creator.has_group(RECEPTIONIST_GROUP) and not creator._is_superuser():
            return creator
        return self.env.ref('base.user_admin', raise_if_not_found=False) or self.env.user
