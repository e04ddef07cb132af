import logging

import pytz
from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from .dental_reminder import in_quiet_hours
from .dental_roles import DENTIST_GROUP, RECEPTIONIST_GROUP

# Recalls still waiting for the patient to book: one per patient and procedure.
OPEN_STATES = ('open', 'contacted', 'snoozed')
RECALL_BATCH_SIZE = 500

_logger = logging.getLogger(__name__)


class DentalRecall(models.Model):
    """A patient due back for a procedure (retorno), e.g. a cleaning six months after the last one.

    Created when a treatment whose procedure has a recall interval is done;
    a newer treatment of the same procedure replaces the open recall. The
    reminder cron reminds each due recall once; booking an appointment with
    the procedure closes it. Only the procedure's name is shown: no clinical
    content reaches the front desk.
    """

    _name = 'dental.recall'
    _description = 'Dental Recall'
    _inherit = ['mail.thread']
    _order = 'due_date, id'
    _check_company_auto = True

    company_id = fields.Many2one(
        'res.company', required=True, index=True, readonly=True, default=lambda self: self.env.company
    )
    patient_id = fields.Many2one('dental.patient', required=True, index=True, readonly=True, check_company=True)
    partner_mobile = fields.Char(related='patient_id.mobile', string='Mobile')
    partner_email = fields.Char(related='patient_id.email', string='E-mail')
    procedure_id = fields.Many2one('dental.procedure', required=True, readonly=True, check_company=True)
    treatment_id = fields.Many2one(
        'dental.treatment', string='Last Treatment', readonly=True, ondelete='set null', groups=DENTIST_GROUP
    )
    due_date = fields.Date(required=True, readonly=True, index=True, tracking=True)
    state = fields.Selection(
        [
            ('open', 'Open'),
            ('contacted', 'Contacted'),
            ('booked', 'Booked'),
            ('snoozed', 'Snoozed'),
            ('not_interested', 'Not Interested'),
        ],
        string='Status',
        required=True,
        default='open',
        readonly=True,
        index=True,
        tracking=True,
    )
    snooze_until = fields.Date(string='Snoozed Until', readonly=True, tracking=True)
    appointment_id = fields.Many2one('dental.appointment', readonly=True, check_company=True, ondelete='set null')
    reminded_at = fields.Datetime(readonly=True, copy=False)
    first_name = fields.Char(compute='_compute_first_name')
    recipient_id = fields.Many2one('res.partner', compute='_compute_first_name')

    def init(self):
        super().init()
        self.env.cr.execute(
            SQL(
                """
            CREATE UNIQUE INDEX IF NOT EXISTS dental_recall_open_uniq
                ON dental_recall (patient_id, procedure_id) WHERE state IN %s
        """,
                OPEN_STATES,
            )
        )

    @api.depends('patient_id')
    def _compute_first_name(self):
        for recall in self:
            recall.first_name = (recall.patient_id.name or '').split(' ')[0]
            recall.recipient_id = recall.patient_id._dental_reminder_partner() if recall.patient_id else False

    # ------------------------------------------------------------------
    # Actions of the front desk
    # ------------------------------------------------------------------

    def action_contacted(self):
        self._check_open()
        self.sudo().write({'state': 'contacted'})
        return True

    def action_not_interested(self):
        self._check_open()
        self.sudo().write({'state': 'not_interested'})
        return True

    def action_snooze(self):
        """Open the small wizard asking until when."""
        self._check_open()
        return {
            'type': 'ir.actions.act_window',
            'name': _('Snooze Recall'),
            'res_model': 'dental.recall.snooze',
            'view_mode': 'form',
            'target': 'new',
            'context': {'default_recall_ids': self.ids},
        }

    def action_book(self):
        """Book the visit: a new appointment prefilled with the patient and the procedure."""
        self.ensure_one()
        self._check_open()
        return {
            'type': 'ir.actions.act_window',
            'name': _('Book Recall'),
            'res_model': 'dental.appointment',
            'view_mode': 'form',
            'views': [(False, 'form')],
            'target': 'current',
            'context': {
                'default_patient_id': self.patient_id.id,
                'default_procedure_ids': [self.procedure_id.id],
            },
        }

    def snooze(self, until):
        self._check_open()
        if not until or fields.Date.to_date(until) <= fields.Date.context_today(self):
            raise UserError(_('Snooze until a date in the future.'))
        self.sudo().write({'state': 'snoozed', 'snooze_until': until})
        return True

    def _check_open(self):
        """The front desk moves recalls only through these actions: the fields themselves are read-only."""
        if not self.env.su and not self.env.user.has_group(RECEPTIONIST_GROUP):
            raise AccessError(_('Only the clinic\'s staff can follow up recalls.'))
        self.check_access('read')
        if any(recall.state not in OPEN_STATES for recall in self):
            raise UserError(_('This recall is already closed.'))

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    @api.model
    def _dental_from_treatments(self, treatments):
        """Open (or replace) the recall of each done treatment whose procedure has a recall interval."""
        treatments = treatments.sudo().filtered(
            lambda t: t.state == 'done' and t.date_done and t.procedure_id.recall_months > 0
        )
        if not treatments:
            return self.browse()
        recalls = self.sudo()
        existing = {
            (recall.patient_id.id, recall.procedure_id.id): recall
            for recall in self.sudo().search(
                [
                    ('patient_id', 'in', treatments.patient_id.ids),
                    ('procedure_id', 'in', treatments.procedure_id.ids),
                    ('state', 'in', OPEN_STATES),
                ]
            )
        }
        create_vals = {}
        for treatment in treatments.sorted('date_done'):
            key = (treatment.patient_id.id, treatment.procedure_id.id)
            values = {
                'due_date': treatment.date_done + relativedelta(months=treatment.procedure_id.recall_months),
                'treatment_id': treatment.id,
            }
            if key in existing:
                if existing[key].due_date <= values['due_date']:
                    existing[key].write(dict(values, state='open', snooze_until=False, reminded_at=False))
                recalls |= existing[key]
            else:
                create_vals[key] = dict(
                    values, patient_id=key[0], procedure_id=key[1], company_id=treatment.patient_id.company_id.id
                )
        if create_vals:
            recalls |= self.sudo().create(list(create_vals.values()))
        return recalls

    @api.model
    def _close_by_appointments(self, appointments):
        """Booking an appointment with the recalled procedure closes the recall."""
        appointments = appointments.sudo().filtered(
            lambda a: a.procedure_ids and a.state not in ('cancelled', 'no_show')
        )
        if not appointments:
            return
        recalls = self.sudo().search(
            [
                ('patient_id', 'in', appointments.patient_id.ids),
                ('procedure_id', 'in', appointments.procedure_ids.ids),
                ('state', 'in', OPEN_STATES),
            ]
        )
        for recall in recalls:
            appointment = appointments.filtered(
                lambda a, r=recall: a.patient_id == r.patient_id and r.procedure_id in a.procedure_ids
            )[:1]
            if appointment:
                recall.write({'state': 'booked', 'appointment_id': appointment.id})

    @api.model
    def _remind_due(self, limit=RECALL_BATCH_SIZE):
        """Remind the due recalls once: each is claimed (``reminded_at``) in the statement that selects it.

        ``FOR UPDATE SKIP LOCKED`` leaves the rows of a concurrent worker to it.
        """
        today = fields.Date.context_today(self)
        now = fields.Datetime.now()
        self.env.flush_all()
        # A snooze ends: the recall is due again, and reminded again.
        self.env.cr.execute(
            SQL(
                """
            UPDATE dental_recall SET state = 'open', due_date = snooze_until, snooze_until = NULL, reminded_at = NULL
             WHERE state = 'snoozed' AND snooze_until <= %s
        """,
                today,
            )
        )
        self.env.cr.execute(
            SQL(
                """
            UPDATE dental_recall SET reminded_at = %(now)s
             WHERE id IN (SELECT id FROM dental_recall
                           WHERE state = 'open' AND due_date <= %(today)s AND reminded_at IS NULL
                             AND company_id != ALL(%(quiet)s)
                           ORDER BY due_date, id LIMIT %(limit)s FOR UPDATE SKIP LOCKED)
            RETURNING id
        """,
                now=now,
                today=today,
                quiet=self._quiet_company_ids(now),
                limit=limit,
            )
        )
        recalls = self.sudo().browse(sorted(row[0] for row in self.env.cr.fetchall()))
        self.invalidate_model(['state', 'due_date', 'snooze_until', 'reminded_at'])
        if recalls:
            recalls._send_reminders()
        return recalls

    @api.model
    def _quiet_company_ids(self, now):
        """Companies in their quiet hours at ``now`` (their working-hours time zone): recalls wait for the morning."""
        quiet = []
        for company in self.env['res.company'].sudo().search([]):
            tz = pytz.timezone(company._dental_tz())
            if in_quiet_hours(
                pytz.utc.localize(now).astimezone(tz), company.dental_quiet_hour_start, company.dental_quiet_hour_end
            ):
                quiet.append(company.id)
        return quiet

    def _send_reminders(self):
        """Queue the recall messages by each channel the recipient can receive; one chatter line each."""
        blacklist = self.env['dental.reminder']._blacklist_cache(
            [recall.patient_id._dental_reminder_partner() for recall in self]
        )
        labels = dict(self.env['dental.reminder.rule']._fields['channel']._description_selection(self.env))
        # Opted out, or consent withdrawn, per channel: one query per channel for the batch.
        blocked = {channel: self.patient_id._dental_message_block(channel) for channel in labels}
        lines = {}
        for channel, recalls in self._recall_channels(blacklist, blocked).items():
            recalls._queue_recall(channel)
            for recall in recalls:
                lines.setdefault(recall.id, []).append(channel)
        bodies = {}
        for recall in self:
            _ = recall.with_context(lang=recall.company_id.partner_id.lang or self.env.lang).env._
            channels = ', '.join(labels.get(channel, channel) for channel in lines.get(recall.id, []))
            body = (
                _('Recall reminder queued by %s.', channels)
                if channels
                else _('Recall due: no channel to remind the patient; call them.')
            )
            withdrawn = ', '.join(
                labels[channel] for channel in labels if blocked[channel].get(recall.patient_id.id) == 'no_consent'
            )
            if withdrawn:
                body += ' ' + _('Not by %s: the patient withdrew consent.', withdrawn)
            bodies[recall.id] = body
        self._message_log_batch(bodies=bodies)

    def _recall_channels(self, blacklist, blocked):
        """{channel: recalls to remind on it}; the SMS bridge adds its channel.

        ``blocked``: {channel: {patient id: reason}}, the patients who may not receive that channel.
        """
        by_channel = {'email': self.browse()}
        for recall in self:
            partner = recall.patient_id._dental_reminder_partner()
            if (
                recall.patient_id.id not in blocked['email']
                and partner.email_normalized
                and partner.email_normalized not in blacklist['email']
            ):
                by_channel['email'] |= recall
        return {channel: recalls for channel, recalls in by_channel.items() if recalls}

    def _queue_recall(self, channel):
        if channel == 'email':
            template = self.env.ref('dental_clinic.mail_template_recall')
            # The shipped recall template computes values: only administrators change it (see mail.template).
            problem = template._dental_sending_problem(self._name, code_allowed=True)
            if problem:
                _logger.warning('Dental recalls: %s recalls not sent: %s', len(self), problem)
                return
            template.sudo().send_mail_batch(self.ids, email_values={'auto_delete': True})

    @api.model
    def dental_due_count(self):
        """Due recalls of the front desk's companies: a count for the board."""
        return self.search_count([('state', '=', 'open'), ('due_date', '<=', fields.Date.context_today(self))])


class DentalTreatment(models.Model):
    _inherit = 'dental.treatment'

    @api.model_create_multi
    def create(self, vals_list):
        treatments = super().create(vals_list)
        self.env['dental.recall']._dental_from_treatments(treatments)
        return treatments

    def write(self, vals):
        result = super().write(vals)
        if vals.get('state') == 'done':
            self.env['dental.recall']._dental_from_treatments(self)
        return result
