from datetime import timedelta

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from .dental_appointment import DEFAULT_DURATION, INACTIVE_STATES
from .dental_roles import RECEPTIONIST_GROUP, dentist_domain

WEEKDAY_FIELDS = ('monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday')
# Where the morning ends, in the clinic's local time.
NOON = 12
DEFAULT_WAIT_DAYS = 30


class DentalWaitlist(models.Model):
    """The short-notice list (*encaixe*): patients who asked for an earlier time, offered a freed slot.

    An entry says which dentists, days and periods suit the patient, until when,
    and for which procedures (their time must fit the freed slot). When an
    appointment is cancelled, the entries that fit its slot are its candidates,
    in order of waiting time, and one click books the slot for one of them.
    """

    _name = 'dental.waitlist'
    _description = 'Short-Notice List Entry'
    _inherit = ['mail.thread', 'dental.field.guard']
    _order = 'create_date, id'
    _check_company_auto = True
    _dental_system_fields = ('state', 'appointment_id', 'offer_ids')

    patient_id = fields.Many2one(
        'dental.patient', required=True, index=True, ondelete='cascade', check_company=True, tracking=True
    )
    company_id = fields.Many2one(related='patient_id.company_id', store=True, index=True)
    dentist_ids = fields.Many2many(
        'res.users',
        string='Dentists',
        domain=lambda self: dentist_domain(self),
        help='The dentists the patient accepts; none: any dentist.',
    )
    procedure_ids = fields.Many2many('dental.procedure', string='Procedures', check_company=True)
    duration = fields.Float(
        compute='_compute_duration', store=True, help='Hours the procedures take: the freed slot must be as long.'
    )
    monday = fields.Boolean(default=True)
    tuesday = fields.Boolean(default=True)
    wednesday = fields.Boolean(default=True)
    thursday = fields.Boolean(default=True)
    friday = fields.Boolean(default=True)
    saturday = fields.Boolean(default=True)
    sunday = fields.Boolean(default=False)
    period = fields.Selection(
        [('any', 'Any Time'), ('morning', 'Mornings'), ('afternoon', 'Afternoons')],
        required=True,
        default='any',
    )
    date_until = fields.Date(
        string='Until',
        required=True,
        default=lambda self: fields.Date.context_today(self) + timedelta(days=DEFAULT_WAIT_DAYS),
    )
    note = fields.Text()
    state = fields.Selection(
        [('waiting', 'Waiting'), ('booked', 'Booked'), ('withdrawn', 'Off the List')],
        required=True,
        default='waiting',
        tracking=True,
    )
    appointment_id = fields.Many2one('dental.appointment', string='Booked Appointment', readonly=True, copy=False)
    offer_ids = fields.One2many('dental.waitlist.offer', 'waitlist_id', string='Offers', readonly=True)
    offer_status = fields.Char(
        string='Offer',
        compute='_compute_offer_status',
        help='The latest offer of the freed slot shown (channel and status).',
    )

    @api.depends('procedure_ids.duration')
    def _compute_duration(self):
        for entry in self:
            entry.duration = sum(entry.procedure_ids.mapped('duration')) or DEFAULT_DURATION

    @api.depends_context('dental_freed_appointment_id')
    def _compute_offer_status(self):
        """In the candidates of a freed slot: what was offered to each, in one query."""
        freed_id = self.env.context.get('dental_freed_appointment_id')
        latest = {}
        if freed_id and isinstance(freed_id, int) and self.ids:
            Offer = self.env['dental.waitlist.offer']
            offers = Offer.search_fetch(
                [('waitlist_id', 'in', self.ids), ('freed_appointment_id', '=', freed_id)],
                ['waitlist_id', 'channel', 'state'],
                order='id desc',
            )
            channels = dict(Offer._fields['channel']._description_selection(self.env))
            states = dict(Offer._fields['state']._description_selection(self.env))
            for offer in offers:
                latest.setdefault(
                    offer.waitlist_id.id, f'{channels.get(offer.channel, offer.channel)}: {states[offer.state]}'
                )
        for entry in self:
            entry.offer_status = latest.get(entry.id, False)

    @api.model_create_multi
    def create(self, vals_list):
        self._dental_check_client_values('create', vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._dental_check_client_values('write', [vals])
        return super().write(vals)

    def action_withdraw(self):
        """The patient no longer needs an earlier time."""
        leaving = self.filtered(lambda entry: entry.state == 'waiting')
        leaving.sudo().write({'state': 'withdrawn'})
        leaving._dental_close_offers()
        return True

    def action_offer_email(self):
        return self._dental_offer('email')

    def action_offer_whatsapp(self):
        return self._dental_offer('whatsapp')

    def action_book_freed_slot(self):
        """Book the slot freed by the appointment given by the button (``dental_freed_appointment_id``)
        for this entry's patient: every check of a booking applies, and the slot must still fit the entry."""
        self.ensure_one()
        self.check_access('write')
        freed = self._dental_freed_appointment()
        slot = freed._dental_freed_slot()
        if not slot or self not in freed._dental_waitlist_candidates():
            raise UserError(_('This patient can no longer take this slot (it was taken, or it no longer fits).'))
        appointment = self.env['dental.appointment'].create(self._dental_booking_values(slot))
        self.sudo().write({'state': 'booked', 'appointment_id': appointment.id})
        self._dental_close_offers()
        freed._dental_freed_slot_filled()
        appointment.message_post(body=_('Booked from the short-notice list, in a freed slot.'))
        return {
            'type': 'ir.actions.act_window',
            'res_model': 'dental.appointment',
            'res_id': appointment.id,
            'view_mode': 'form',
            'target': 'current',
        }

    def _dental_freed_appointment(self):
        """The appointment whose freed slot the list was opened for (``dental_freed_appointment_id``)."""
        freed_id = self.env.context.get('dental_freed_appointment_id')
        freed = self.env['dental.appointment']
        if isinstance(freed_id, int) and not isinstance(freed_id, bool):
            freed = freed.browse(freed_id).exists()
        if not freed:
            raise UserError(_('Open the appointment whose freed slot you want to fill.'))
        freed.check_access('read')
        return freed

    def _dental_booking_values(self, slot):
        """The appointment booking this entry's patient in ``slot`` (as long as the procedures, at most the
        slot)."""
        self.ensure_one()
        return {
            'patient_id': self.patient_id.id,
            'dentist_id': slot['dentist'].id,
            'chair_id': slot['chair'].id,
            'start': slot['start'],
            'duration': min(self.duration, (slot['stop'] - slot['start']).total_seconds() / 3600),
            'procedure_ids': [fields.Command.set(self.procedure_ids.ids)],
        }

    def _dental_close_offers(self):
        """These entries left the list: their open offers are withdrawn (their links say the slot is gone)."""
        offers = (
            self.env['dental.waitlist.offer'].sudo().search([('waitlist_id', 'in', self.ids), ('state', '=', 'sent')])
        )
        offers.write({'state': 'withdrawn'})

    def _dental_offer(self, channel):
        """Offer the freed slot of the list's appointment to these entries' patients by ``channel``.

        The front desk's (and the managers'), for entries and slots of their
        companies that still fit; refused as a whole when a patient withdrew
        consent to the channel or cannot receive it. Each offer is logged in
        its patient's chatter. WhatsApp returns the conversation to open.
        """
        if not self.env.su and not self.env.user.has_group(RECEPTIONIST_GROUP):
            raise AccessError(_('Only the front desk sends and withdraws short-notice offers.'))
        if not self:
            raise UserError(_('Select the patients to offer the slot to.'))
        self.check_access('write')
        freed = self._dental_freed_appointment()
        slot = freed._dental_freed_slot()
        if not slot or self - freed._dental_waitlist_candidates():
            raise UserError(
                _('This slot can no longer be offered to these patients (it was taken, or it no longer fits).')
            )
        if channel == 'whatsapp' and len(self) > 1:
            raise UserError(_('WhatsApp opens one conversation at a time: offer the slot to one patient.'))
        Offer = self.env['dental.waitlist.offer']
        label = dict(Offer._fields['channel']._description_selection(self.env)).get(channel, channel)
        already = Offer.sudo().search(
            [
                ('waitlist_id', 'in', self.ids),
                ('freed_appointment_id', '=', freed.id),
                ('slot_start', '=', slot['start']),
                ('channel', '=', channel),
                ('state', '=', 'sent'),
            ]
        )
        if already:
            raise UserError(
                _(
                    'The slot was already offered by %(channel)s to %(patients)s.',
                    channel=label,
                    patients=', '.join(already.waitlist_id.patient_id.mapped('name')),
                )
            )
        blocked = self.patient_id._dental_message_block(channel)
        for entry in self:
            reason = blocked.get(entry.patient_id.id)
            if reason == 'opt_out':
                raise UserError(
                    _(
                        '%(patient)s asked not to receive messages: no offer by %(channel)s.',
                        patient=entry.patient_id.name,
                        channel=label,
                    )
                )
            if reason:
                raise UserError(
                    _(
                        '%(patient)s withdrew consent to messages by %(channel)s: record a new consent first.',
                        patient=entry.patient_id.name,
                        channel=label,
                    )
                )
            problem = Offer._dental_recipient_problem(channel, entry.patient_id._dental_reminder_partner())
            if problem:
                raise UserError(problem)
        now = fields.Datetime.now()
        offers = Offer.sudo().create(
            [
                {
                    'waitlist_id': entry.id,
                    'freed_appointment_id': freed.id,
                    'slot_start': slot['start'],
                    'slot_stop': slot['stop'],
                    'dentist_id': slot['dentist'].id,
                    'chair_id': slot['chair'].id,
                    'channel': channel,
                    'partner_id': entry.patient_id._dental_reminder_partner().id,
                    'sent_by_id': self.env.user.id,
                    'sent_at': now,
                }
                for entry in self
            ]
        )
        offers._dental_send('offer')
        sender = self.env.user.name
        offers._dental_log(
            lambda offer: offer.env._(
                'Short-notice offer of %(slot)s sent by %(channel)s by %(user)s.',
                slot=offer._dental_slot_label(),
                channel=dict(offer._fields['channel']._description_selection(offer.env))[offer.channel],
                user=sender,
            )
        )
        if channel == 'whatsapp':
            return {'type': 'ir.actions.act_url', 'url': offers._dental_whatsapp_url(), 'target': 'new'}
        return {
            'type': 'ir.actions.client',
            'tag': 'display_notification',
            'params': {
                'title': _('Short-notice offer'),
                'message': _(
                    'The slot was offered by %(channel)s to %(count)s patient(s): the first to accept gets it.',
                    channel=label,
                    count=len(offers),
                ),
                'type': 'success',
                'next': {'type': 'ir.actions.client', 'tag': 'soft_reload'},
            },
        }

    @api.model
    def _dental_candidates(self, slots):
        """{slot key: entries that fit it, longest waiting first} for ``slots``, dicts of ``key``, ``start``,
        ``stop`` (naive UTC), ``dentist``, ``company``, ``tz`` and ``patient`` (whose slot it was). Two queries
        whatever the number of slots: the entries, then the candidates' overlapping appointments."""
        if not slots:
            return {}
        entries = self.sudo().search(
            [
                ('state', '=', 'waiting'),
                ('company_id', 'in', list({slot['company'].id for slot in slots})),
                ('date_until', '>=', min(slot['start'] for slot in slots).date()),
            ]
        )
        busy = {}
        for appointment in (
            self.env['dental.appointment']
            .sudo()
            .search_fetch(
                [
                    ('patient_id', 'in', entries.patient_id.ids),
                    ('state', 'not in', INACTIVE_STATES),
                    ('start', '<', max(slot['stop'] for slot in slots)),
                    ('stop', '>', min(slot['start'] for slot in slots)),
                ],
                ['patient_id', 'start', 'stop'],
            )
        ):
            busy.setdefault(appointment.patient_id.id, []).append((appointment.start, appointment.stop))
        found = {}
        for slot in slots:
            local = pytz.utc.localize(slot['start']).astimezone(pytz.timezone(slot['tz']))
            period = 'morning' if local.hour < NOON else 'afternoon'
            hours = (slot['stop'] - slot['start']).total_seconds() / 3600
            found[slot['key']] = entries.filtered(
                lambda entry, slot=slot, local=local, period=period, hours=hours: (
                    entry.company_id == slot['company']
                    and entry.patient_id != slot['patient']
                    and entry.date_until >= local.date()
                    and (not entry.dentist_ids or slot['dentist'] in entry.dentist_ids)
                    and entry[WEEKDAY_FIELDS[local.weekday()]]
                    and entry.period in ('any', period)
                    and entry.duration <= hours + 1e-6
                    and not any(
                        start < slot['stop'] and stop > slot['start']
                        for start, stop in busy.get(entry.patient_id.id, ())
                    )
                )
            )
        return found
