import logging
import secrets
from urllib.parse import quote

from markupsafe import Markup

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from .dental_appointment import INACTIVE_STATES
from .dental_appointment_reminder import TOKEN_BYTES, token_matches, whatsapp_digits
from .dental_reminder import local_values
from .dental_roles import RECEPTIONIST_GROUP

_logger = logging.getLogger(__name__)

# What the offer templates may show (``object.<path>``): plain fields, rendered without code evaluation.
OFFER_TEMPLATE_FIELDS = (
    'first_name',
    'recipient_first_name',
    'local_weekday',
    'local_weekday_short',
    'local_date',
    'local_date_short',
    'local_time',
    'dentist_name',
    'clinic_details',
    'offer_url',
    'offer_button',
    'company_id.name',
    'company_id.phone',
    'company_id.email_formatted',
    'partner_id.id',
    'partner_id.lang',
)
# The templates of each message an offer sends, by channel (the SMS bridge adds its own).
MAIL_TEMPLATES = {
    'offer': 'dental_clinic.mail_template_waitlist_offer',
    'taken': 'dental_clinic.mail_template_waitlist_offer_taken',
}


class DentalWaitlistOffer(models.Model):
    """A freed slot offered to a patient of the short-notice list, by e-mail, SMS or WhatsApp.

    The message carries a link to a public page (``/dental/o/<id>/<token>``)
    where the patient takes the slot: the first to accept gets it, the other
    offers of the slot become ``taken``. Accepting locks the slot's offers, so
    that two patients accepting at once make one appointment. An offer whose
    slot started, or was booked by other means, is ``expired``. Every field is
    the system's: the front desk sends and withdraws offers through the list.
    """

    _name = 'dental.waitlist.offer'
    _description = 'Short-Notice Offer'
    _inherit = ['dental.field.guard']
    _order = 'sent_at desc, id desc'
    _rec_name = 'patient_id'
    _check_company_auto = True
    _dental_system_fields = (
        'waitlist_id',
        'freed_appointment_id',
        'slot_start',
        'slot_stop',
        'dentist_id',
        'chair_id',
        'channel',
        'partner_id',
        'token',
        'state',
        'sent_by_id',
        'sent_at',
        'answered_at',
        'booked_appointment_id',
    )

    waitlist_id = fields.Many2one(
        'dental.waitlist', string='List Entry', required=True, readonly=True, index=True, ondelete='cascade'
    )
    patient_id = fields.Many2one(related='waitlist_id.patient_id', store=True)
    company_id = fields.Many2one(related='waitlist_id.company_id', store=True, index=True)
    freed_appointment_id = fields.Many2one(
        'dental.appointment',
        string='Freed By',
        required=True,
        readonly=True,
        index=True,
        ondelete='cascade',
        help='The appointment whose cancellation or move freed the slot.',
    )
    slot_start = fields.Datetime(required=True, readonly=True)
    slot_stop = fields.Datetime(string='Slot End', required=True, readonly=True)
    dentist_id = fields.Many2one('res.users', required=True, readonly=True)
    chair_id = fields.Many2one('dental.chair', required=True, readonly=True)
    channel = fields.Selection([('email', 'E-mail'), ('whatsapp', 'WhatsApp')], required=True, readonly=True)
    partner_id = fields.Many2one(
        'res.partner', string='Recipient', readonly=True, help='The patient, or their guardian for a minor.'
    )
    token = fields.Char(
        copy=False,
        readonly=True,
        groups='base.group_system',
        default=lambda self: secrets.token_urlsafe(TOKEN_BYTES),
    )
    state = fields.Selection(
        [
            ('sent', 'Sent'),
            ('accepted', 'Accepted'),
            ('taken', 'Taken by Another Patient'),
            ('expired', 'Expired'),
            ('withdrawn', 'Withdrawn'),
        ],
        string='Status',
        required=True,
        default='sent',
        readonly=True,
        index=True,
    )
    sent_by_id = fields.Many2one('res.users', readonly=True)
    sent_at = fields.Datetime(readonly=True)
    answered_at = fields.Datetime(string='Accepted At', readonly=True)
    booked_appointment_id = fields.Many2one('dental.appointment', readonly=True, ondelete='set null')

    # Values of the messages and the page, in the recipient's language and the clinic's time zone.
    first_name = fields.Char(compute='_compute_render_values', help='First name of the patient.')
    local_weekday = fields.Char(compute='_compute_render_values')
    local_weekday_short = fields.Char(compute='_compute_render_values')
    local_date = fields.Char(compute='_compute_render_values')
    local_date_short = fields.Char(compute='_compute_render_values')
    local_time = fields.Char(compute='_compute_render_values')
    dentist_name = fields.Char(compute='_compute_render_values')
    clinic_details = fields.Char(compute='_compute_render_values', help='Name, address and phone of the clinic.')
    recipient_first_name = fields.Char(compute='_compute_render_values')
    # The link is the patient's: only the system (the messages, rendered as superuser) reads it.
    offer_url = fields.Char(compute='_compute_offer_url', groups='base.group_system')
    offer_button = fields.Html(compute='_compute_offer_url', sanitize=False, groups='base.group_system')

    @api.depends_context('lang')
    @api.depends('slot_start', 'dentist_id', 'chair_id', 'patient_id', 'partner_id')
    def _compute_render_values(self):
        for offer in self:
            values = offer._dental_message_values()
            for fname, value in values.items():
                offer[fname] = value

    @api.depends_context('lang')
    @api.depends('token')
    def _compute_offer_url(self):
        for offer in self:
            url = f'{offer.get_base_url()}/dental/o/{offer.id}/{offer.sudo().token}'
            offer.offer_url = url
            offer.offer_button = Markup(
                '<a href="%s" style="background-color: #875A7B; padding: 10px 16px; text-decoration: none; '
                'color: #fff; border-radius: 5px;">%s</a>'
            ) % (url, self.env._("I'll take it"))

    @api.model_create_multi
    def create(self, vals_list):
        self._dental_check_client_values('create', vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._dental_check_client_values('write', [vals])
        return super().write(vals)

    def mail_allowed_qweb_expressions(self):
        """Plain field paths only, as the reminders' (``dental.reminder.mail_allowed_qweb_expressions``)."""
        return (*super().mail_allowed_qweb_expressions(), *(f'object.{path}' for path in OFFER_TEMPLATE_FIELDS))

    # ------------------------------------------------------------------
    # Actions of the front desk
    # ------------------------------------------------------------------

    def action_withdraw(self):
        """The front desk takes back offers still open (the patient's link then says the slot is gone)."""
        if not self.env.su and not self.env.user.has_group(RECEPTIONIST_GROUP):
            raise AccessError(_('Only the front desk sends and withdraws short-notice offers.'))
        self.check_access('read')
        if any(offer.state != 'sent' for offer in self):
            raise UserError(_('Only offers still waiting for an answer can be withdrawn.'))
        self.sudo().write({'state': 'withdrawn'})
        self._dental_log(lambda offer: offer.env._('Short-notice offer withdrawn by %s.', self.env.user.name))
        return True

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------

    @api.model
    def _dental_recipient_problem(self, channel, partner):
        """Why ``partner`` cannot receive an offer on ``channel`` (a message), or False; the SMS bridge adds its
        channel."""
        if channel == 'email':
            if not partner.email_normalized:
                return _('%s has no e-mail address.', partner.name)
            # Odoo's flag, computed for all the partners read together (one query, not one per patient).
            if partner.is_blacklisted:
                return _('The e-mail address of %s is blacklisted.', partner.name)
        elif channel == 'whatsapp' and not whatsapp_digits(partner):
            return _('%s has no mobile number in international format (+55...).', partner.name)
        return False

    def _dental_send(self, kind):
        """Send the ``kind`` message (``offer`` or ``taken``) of these offers by their channel; WhatsApp is
        sent by hand (``_dental_whatsapp_url``)."""
        for channel, offers in self.grouped('channel').items():
            offers._dental_send_channel(channel, kind)

    def _dental_send_channel(self, channel, kind):
        if channel != 'email':
            return
        template = self.env.ref(MAIL_TEMPLATES[kind], raise_if_not_found=False)
        problem = (
            template._dental_sending_problem(self._name)
            if template
            else _('The e-mail template of the short-notice offers is missing.')
        )
        if problem:
            if kind == 'offer':
                raise UserError(problem)
            _logger.warning('Short-notice offers: %s messages not sent: %s', len(self), problem)
            return
        template.sudo().send_mail_batch(self.ids, email_values={'auto_delete': True})

    def _dental_whatsapp_url(self):
        """WhatsApp opened with the offer typed in, in the recipient's language, for the front desk to send."""
        self.ensure_one()
        offer = self.sudo().with_context(lang=self.partner_id.lang or self.env.lang)
        text = offer.env._(
            'Hello %(name)s! A time freed up on %(weekday)s, %(date)s at %(time)s with %(dentist)s at %(clinic)s. '
            'The first to accept gets it: %(url)s',
            name=offer.first_name,
            weekday=offer.local_weekday,
            date=offer.local_date,
            time=offer.local_time,
            dentist=offer.dentist_name,
            clinic=offer.company_id.name,
            url=offer.offer_url,
        )
        return f'https://wa.me/{whatsapp_digits(self.partner_id)}?text={quote(text, safe="")}'

    def _dental_message_values(self):
        """What the messages and the page say, in the current language and the clinic's time zone."""
        self.ensure_one()
        offer = self.sudo()
        values = local_values(self.env, offer.slot_start, offer.chair_id._dental_tz())
        company = offer.company_id
        partner = company.partner_id
        address = ', '.join(
            part for part in (partner.street, partner.street2, partner.city, partner.state_id.code, partner.zip) if part
        )
        values.update(
            {
                'first_name': (offer.patient_id.name or '').split(' ')[0],
                'recipient_first_name': (offer.partner_id.name or '').split(' ')[0],
                'dentist_name': offer.dentist_id.name or '',
                'clinic_details': ' · '.join(part for part in (company.name, address, company.phone) if part),
            }
        )
        return values

    def _dental_log(self, body):
        """One line per offer in its patient's chatter, in the clinic's language; ``body(offer)`` writes it."""
        for offer in self.sudo():
            offer = offer.with_context(lang=offer.company_id.partner_id.lang or self.env.lang)
            offer.patient_id._message_log(body=body(offer))

    def _dental_slot_label(self):
        """Date, time and dentist of the slot, in the clinic's time zone and the current language."""
        self.ensure_one()
        values = self.sudo()._dental_message_values()
        return self.env._(
            '%(weekday)s, %(date)s at %(time)s with %(dentist)s',
            weekday=values['local_weekday'],
            date=values['local_date'],
            time=values['local_time'],
            dentist=values['dentist_name'],
        )

    # ------------------------------------------------------------------
    # The patient's link (public page, run as superuser by the controller)
    # ------------------------------------------------------------------

    @api.model
    def _dental_from_token(self, offer_id, token):
        """The offer the link is for, or an empty recordset; the token is compared in constant time."""
        offer = self.sudo().browse(offer_id).exists()
        if not offer or not token_matches(offer.token, token):
            return self.browse()
        return offer

    def _dental_slot(self):
        """The offered slot as ``dental.waitlist._dental_candidates`` takes it."""
        self.ensure_one()
        return {
            'key': self.id,
            'start': self.slot_start,
            'stop': self.slot_stop,
            'chair': self.chair_id,
            'dentist': self.dentist_id,
            'company': self.company_id,
            'tz': self.chair_id._dental_tz(),
            'patient': self.freed_appointment_id.patient_id,
        }

    def _dental_link_status(self):
        """``valid``; ``accepted`` (by this patient), ``taken`` (by another one) or ``unavailable`` (started,
        booked by other means, withdrawn, the patient no longer on the list or busy then). An offer found
        unavailable is marked so."""
        self.ensure_one()
        offer = self.sudo()
        if offer.state == 'accepted':
            return 'accepted'
        if offer.state == 'taken':
            return 'taken'
        if offer.state != 'sent':
            return 'unavailable'
        if offer.slot_start <= fields.Datetime.now():
            offer.write({'state': 'expired'})
            return 'unavailable'
        if offer.waitlist_id.state != 'waiting':
            offer.write({'state': 'withdrawn'})
            return 'unavailable'
        booked = (
            self.env['dental.appointment']
            .sudo()
            .search_count(
                [
                    ('state', 'not in', INACTIVE_STATES),
                    ('start', '<', offer.slot_stop),
                    ('stop', '>', offer.slot_start),
                    '|',
                    ('chair_id', '=', offer.chair_id.id),
                    ('dentist_id', '=', offer.dentist_id.id),
                ],
                limit=1,
            )
        )
        if (
            booked
            or offer.waitlist_id not in self.env['dental.waitlist']._dental_candidates([offer._dental_slot()])[offer.id]
        ):
            offer.write({'state': 'expired'})
            return 'unavailable'
        return 'valid'

    def _dental_accept(self):
        """Book the slot for the patient if it is still theirs to take; return the page's status.

        The slot's offers are locked first: a second patient accepting at the
        same time waits here, then fails to lock the offers the first one
        changed (a serialization error, retried by Odoo's HTTP layer) and,
        retried, finds the slot taken. The appointment is created through the
        normal rules, as superuser (the link's token was checked).
        """
        self.ensure_one()
        offer = self.with_user(SUPERUSER_ID).with_context(lang=self.company_id.partner_id.lang or 'en_US')
        self.env.cr.execute(
            SQL(
                'SELECT id FROM dental_waitlist_offer WHERE freed_appointment_id = %s AND slot_start = %s '
                'AND chair_id = %s ORDER BY id FOR UPDATE',
                offer.freed_appointment_id.id,
                offer.slot_start,
                offer.chair_id.id,
            )
        )
        offer.invalidate_model()
        status = offer._dental_link_status()
        if status != 'valid':
            return status
        entry = offer.waitlist_id
        try:
            with self.env.cr.savepoint():
                appointment = (
                    self.env['dental.appointment']
                    .with_user(SUPERUSER_ID)
                    .with_context(dental_waitlist_offer_booking=True)
                    .create(entry._dental_booking_values(offer._dental_slot()))
                )
        except (UserError, ValidationError) as error:
            _logger.info('Short-notice offer %s could not be booked: %s', offer.id, error)
            offer.write({'state': 'expired'})
            return 'unavailable'
        now = fields.Datetime.now()
        offer.write({'state': 'accepted', 'answered_at': now, 'booked_appointment_id': appointment.id})
        entry.write({'state': 'booked', 'appointment_id': appointment.id})
        offer.freed_appointment_id._dental_freed_slot_filled()
        # The patient's other offers (of this slot by another channel, or of other slots): they are booked
        # now, off the list; withdrawn before the others' offers of the slot are marked taken.
        entry._dental_close_offers()
        same_slot = offer.search(
            [
                ('freed_appointment_id', '=', offer.freed_appointment_id.id),
                ('slot_start', '=', offer.slot_start),
                ('chair_id', '=', offer.chair_id.id),
                ('state', '=', 'sent'),
            ]
        )
        same_slot.write({'state': 'taken'})
        appointment._message_log(body=offer.env._('Booked by the patient, who accepted a short-notice offer.'))
        offer._dental_log(
            lambda o: o.env._('The patient accepted the short-notice offer of %s.', o._dental_slot_label())
        )
        same_slot._dental_log(
            lambda o: o.env._('Short-notice offer of %s taken by another patient.', o._dental_slot_label())
        )
        same_slot._dental_send('taken')
        return 'accepted'

    @api.autovacuum
    def _gc_expire_started(self):
        """Offers still open when their slot started are expired (their page says so on its own)."""
        self.sudo().search([('state', '=', 'sent'), ('slot_start', '<=', fields.Datetime.now())]).write(
            {'state': 'expired'}
        )
