import logging
import threading
from collections import defaultdict
from datetime import timedelta

import psycopg2
import pytz
from babel.dates import format_date as babel_format_date
from babel.dates import format_skeleton

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.misc import babel_locale_parse

_logger = logging.getLogger(__name__)

# Appointments that are still to be reminded: the partial index of the
# selection covers exactly these states.
REMINDED_STATES = ('scheduled', 'confirmed')
# A reminder pushed to the end of the quiet hours must still leave this much time before the visit.
QUIET_MARGIN = timedelta(hours=1)
# Appointments that started longer ago than this are no longer looked at (not even to log a skip).
PAST_HORIZON = timedelta(days=1)
DEFAULT_BATCH_SIZE = 200
MAX_BATCHES_PER_RUN = 10

SKIP_REASONS = [
    ('opt_out', 'Patient opted out of messages'),
    ('no_consent', 'Patient withdrew consent for this channel'),
    ('blacklisted', 'Address or number blacklisted'),
    ('no_email', 'No e-mail address'),
    ('no_mobile', 'No mobile number'),
    ('cancelled', 'Appointment cancelled'),
    ('moved', 'Appointment moved'),
    ('started', 'Appointment already started'),
    ('past', 'Appointment time already past'),
    ('quiet_hours', 'Due in quiet hours, too late after them'),
    ('superseded', 'A later reminder of the same channel is due too'),
    ('error', 'Error while preparing the message'),
]


# What the reminder templates may show (``object.<path>``).
TEMPLATE_FIELDS = (
    'first_name',
    'recipient_first_name',
    'patient_id.name',
    'local_weekday',
    'local_weekday_short',
    'local_date',
    'local_date_short',
    'local_time',
    'dentist_name',
    'confirm_url',
    'confirm_button',
    'clinic_details',
    'company_id.name',
    'company_id.phone',
    'company_id.email_formatted',
    'partner_id.id',
    'partner_id.lang',
)


def in_quiet_hours(local_dt, start, end):
    """Whether a local time falls in quiet hours given as float hours (21.0-8.0 spans midnight)."""
    hour = local_dt.hour + local_dt.minute / 60
    if start == end:
        return False
    if start < end:
        return start <= hour < end
    return hour >= start or hour < end


class DentalReminder(models.Model):
    """One reminder of one appointment by one rule: the log that makes sending exactly once.

    The row is claimed (inserted) before its message is queued, in the same
    transaction, under a unique key (appointment, rule, start the reminder is
    for). A second cron worker, or a rerun after a crash, cannot claim it
    again: the message is queued once. Moving the appointment changes its
    start, so its reminders are due again for the new time.
    """

    _name = 'dental.reminder'
    _description = 'Appointment Reminder'
    _order = 'scheduled_at desc, id desc'
    _rec_name = 'appointment_id'
    _check_company_auto = True

    appointment_id = fields.Many2one(
        'dental.appointment', required=True, readonly=True, ondelete='cascade', check_company=True
    )
    rule_id = fields.Many2one(
        'dental.reminder.rule', required=True, readonly=True, ondelete='restrict', check_company=True
    )
    appointment_start = fields.Datetime(
        string='For Start',
        required=True,
        readonly=True,
        help='Start of the appointment this reminder was for: a moved appointment is reminded again.',
    )
    company_id = fields.Many2one('res.company', required=True, readonly=True, index=True)
    patient_id = fields.Many2one(related='appointment_id.patient_id', string='Patient')
    partner_id = fields.Many2one(
        'res.partner', string='Recipient', readonly=True, help='The patient, or their guardian for a minor.'
    )
    channel = fields.Selection(selection='_selection_channel', required=True, readonly=True)
    state = fields.Selection(
        [
            ('queued', 'Queued'),
            ('sent', 'Sent'),
            ('skipped', 'Skipped'),
            ('failed', 'Failed'),
        ],
        string='Status',
        required=True,
        default='queued',
        readonly=True,
        index=True,
    )
    reason = fields.Selection(SKIP_REASONS, readonly=True)
    failure_message = fields.Char(string='Failure', readonly=True)
    scheduled_at = fields.Datetime(string='Due At', readonly=True, help='Start minus the rule\'s hours.')
    processed_at = fields.Datetime(readonly=True)
    mail_mail_id = fields.Many2one(
        'mail.mail', string='E-mail', readonly=True, ondelete='set null', index='btree_not_null'
    )

    # Values for the templates, in the recipient's language and the clinic's time zone.
    first_name = fields.Char(compute='_compute_render_values', help='First name of the patient.')
    local_weekday = fields.Char(compute='_compute_render_values')
    local_weekday_short = fields.Char(compute='_compute_render_values')
    local_date = fields.Char(compute='_compute_render_values')
    local_date_short = fields.Char(compute='_compute_render_values')
    local_time = fields.Char(compute='_compute_render_values')
    dentist_name = fields.Char(compute='_compute_render_values')
    confirm_url = fields.Char(compute='_compute_render_values')
    clinic_details = fields.Char(compute='_compute_render_values', help='Name, address and phone of the clinic.')
    confirm_button = fields.Html(compute='_compute_render_values', sanitize=False)
    recipient_first_name = fields.Char(compute='_compute_recipient_first_name')

    _sql_constraints = [
        (
            'appointment_rule_start_uniq',
            'UNIQUE (appointment_id, rule_id, appointment_start)',
            'This appointment was already reminded by this rule for this time.',
        ),
    ]

    def init(self):
        super().init()
        # No index on rule_id alone (earlier versions' are dropped by the 18.0.1.3.0 migration): with stale
        # statistics (the log grows fast within one run) the planner would probe claims through it, scanning half
        # the log per appointment, instead of the unique index.
        # The selection walks the appointments still to remind in start order, from a bounded range.
        self.env.cr.execute(
            SQL(
                """
            CREATE INDEX IF NOT EXISTS dental_appointment_remind_start_idx
                ON dental_appointment (start, id)
             WHERE state IN %s
        """,
                REMINDED_STATES,
            )
        )

    @api.model
    def _selection_channel(self):
        return self.env['dental.reminder.rule']._fields['channel']._description_selection(self.env)

    @api.depends_context('lang')
    @api.depends('appointment_id', 'appointment_start')
    def _compute_render_values(self):
        for reminder in self:
            values = reminder.appointment_id._dental_message_values(reminder.appointment_start)
            for fname in (
                'first_name',
                'local_weekday',
                'local_weekday_short',
                'local_date',
                'local_date_short',
                'local_time',
                'dentist_name',
                'confirm_url',
                'clinic_details',
                'confirm_button',
            ):
                reminder[fname] = values[fname]

    @api.depends('partner_id')
    def _compute_recipient_first_name(self):
        for reminder in self:
            reminder.recipient_first_name = (reminder.partner_id.name or '').split(' ')[0]

    def mail_allowed_qweb_expressions(self):
        """Plain field paths only: the templates render without code evaluation (fast, and editable by
        managers who are not template editors)."""
        return (*super().mail_allowed_qweb_expressions(), *(f'object.{path}' for path in TEMPLATE_FIELDS))

    # ------------------------------------------------------------------
    # Cron
    # ------------------------------------------------------------------

    @api.model
    def _cron_send_reminders(self, batch_size=None, max_batches=MAX_BATCHES_PER_RUN):
        """Claim and queue the due reminders batch by batch; then the due recalls.

        Each batch is committed (outside tests) so that a crash loses at most
        the batch in progress, whose claims roll back with its messages.
        """
        auto_commit = not getattr(threading.current_thread(), 'testing', False)
        batch_size = batch_size or int(
            self.env['ir.config_parameter'].sudo().get_param('dental_clinic.reminder_batch_size', DEFAULT_BATCH_SIZE)
        )
        self._sync_delivery_state()
        done = 0
        remaining = 0
        after = None
        for _i in range(max_batches):
            now = fields.Datetime.now()
            claimed, selected, after = self._claim_due(now, batch_size, after=after)
            if claimed:
                claimed._process_claimed(now)
                done += len(claimed)
            remaining = 1 if selected >= batch_size else 0
            if auto_commit:
                # Each batch is committed (as Odoo's own batched crons do): sent reminders stay sent.
                self.env.cr.commit()  # pylint: disable=invalid-commit
                self.env.invalidate_all()
            self.env['ir.cron']._notify_progress(done=done, remaining=remaining)
            if not remaining:
                break
        recalls = self.env['dental.recall']._remind_due()
        if auto_commit:
            self.env.cr.commit()  # pylint: disable=invalid-commit
        _logger.info('Dental reminders: %s processed, %s recalls reminded', done, len(recalls))
        return done

    @api.model
    def _due_selection_sql(self, now, limit, after=None):
        """The due (appointment, rule) pairs not claimed yet, outside their clinic's quiet hours.

        The inner query walks the partial index of the appointments still to
        remind in (start, id) order, between the past horizon and the farthest
        active rule, and stops after ``limit`` appointments with something due:
        the cost of a batch does not grow with the backlog. Claims are probed
        in the unique index of the reminders. ``after`` (start, id) resumes
        after the previous batch of the same run.
        """
        self.env['dental.reminder.rule'].flush_model()
        self.env.cr.execute(SQL("SELECT MAX(hours_before) FROM dental_reminder_rule WHERE active"))
        reach = self.env.cr.fetchone()[0] or 0
        resume = SQL("AND (a.start, a.id) >= (%s::timestamp, %s)", *after) if after else SQL()
        due_rule = SQL(
            """
                r.company_id = a.company_id AND r.active
            AND a.start <= %(now)s + make_interval(hours => r.hours_before)
            -- A scalar subquery, not NOT EXISTS: it stays a probe of the unique index whatever the statistics
            -- say (the log grows by thousands of rows within one run, faster than ANALYZE).
            AND (SELECT l.id FROM dental_reminder l
                  WHERE l.appointment_id = a.id AND l.rule_id = r.id AND l.appointment_start = a.start
                  LIMIT 1) IS NULL
        """,
            now=now,
        )
        return SQL(
            """
            SELECT a.id AS appointment_id, r.id AS rule_id, a.start AS appointment_start,
                   a.company_id, r.channel, a.start - make_interval(hours => r.hours_before) AS scheduled_at
              FROM (SELECT a.id, a.start, a.company_id
                      FROM dental_appointment a
                     WHERE a.state IN %(states)s
                       AND a.start > %(horizon)s
                       AND a.start <= %(reach)s
                       %(resume)s
                       AND a.create_date < a.start
                       AND a.chair_id != ALL(%(quiet_chairs)s)
                       -- Scalar, not EXISTS: a filter on the index scan, which keeps its order and stops early.
                       AND (SELECT r.id FROM dental_reminder_rule r WHERE %(due_rule)s LIMIT 1) IS NOT NULL
                     ORDER BY a.start, a.id
                     LIMIT %(limit)s) a
              JOIN dental_reminder_rule r ON %(due_rule)s
             ORDER BY a.start, a.id, r.id
             LIMIT %(limit)s
        """,
            states=REMINDED_STATES,
            horizon=now - PAST_HORIZON,
            reach=now + timedelta(hours=reach),
            resume=resume,
            quiet_chairs=self._quiet_chair_ids(now),
            due_rule=due_rule,
            limit=limit,
        )

    @api.model
    def _quiet_chair_ids(self, now):
        """Chairs whose clinic is in its quiet hours at ``now`` (their time zone, their company's hours)."""
        quiet = []
        for chair in self.env['dental.chair'].sudo().with_context(active_test=False).search([]):
            company = chair.company_id
            tz = pytz.timezone(chair._dental_tz())
            if in_quiet_hours(
                pytz.utc.localize(now).astimezone(tz), company.dental_quiet_hour_start, company.dental_quiet_hour_end
            ):
                quiet.append(chair.id)
        return quiet

    @api.model
    def _claim_due(self, now, limit, after=None):
        """Select and claim one batch in one statement.

        ``INSERT ... ON CONFLICT DO NOTHING RETURNING``: a row claimed by a
        concurrent worker makes this insert wait for it, then skip it (or, in
        Odoo's repeatable-read transactions, fail with a serialization error:
        the whole batch is then left to that worker).

        :return: (claimed reminders, number of rows selected, (start, id) of the last appointment selected)
        """
        self.env.flush_all()
        selection = self._due_selection_sql(now, limit, after=after)
        query = SQL(
            """
            WITH due AS (%(selection)s),
            claimed AS (
                INSERT INTO dental_reminder (appointment_id, rule_id, appointment_start, company_id, channel,
                                             state, scheduled_at, create_uid, create_date, write_uid, write_date)
                SELECT appointment_id, rule_id, appointment_start, company_id, channel,
                       'queued', scheduled_at, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM due
                ON CONFLICT (appointment_id, rule_id, appointment_start) DO NOTHING
                RETURNING id
            )
            SELECT (SELECT COUNT(*) FROM due), ARRAY(SELECT id FROM claimed ORDER BY id),
                   (SELECT ARRAY[appointment_start::text, appointment_id::text] FROM due
                     ORDER BY appointment_start DESC, appointment_id DESC LIMIT 1)
        """,
            selection=selection,
            uid=self.env.uid,
            now=now,
        )
        try:
            with self.env.cr.savepoint():
                self.env.cr.execute(query)
                selected, ids, last = self.env.cr.fetchone()
        except psycopg2.errors.SerializationFailure:
            _logger.info('Dental reminders: batch claimed by another worker meanwhile')
            return self.browse(), 0, after
        # Rows inserted in SQL: the appointments' cached reminder lists are stale.
        self.env['dental.appointment'].invalidate_model(['reminder_ids'])
        return self.browse(ids), selected, (last[0], int(last[1])) if last else after

    # ------------------------------------------------------------------
    # Processing one claimed batch
    # ------------------------------------------------------------------

    def _process_claimed(self, now):
        """Decide skip or send for each claimed reminder, queue the messages, log one line per reminder."""
        results = {}
        recipients = {reminder.id: reminder.appointment_id.patient_id._dental_reminder_partner() for reminder in self}
        self._bulk_update({rid: {'partner_id': partner.id or None} for rid, partner in recipients.items()})
        blacklist = self._blacklist_cache(recipients.values())
        due_rules = self._due_rules_by_company()
        blocked = {
            channel: reminders.appointment_id.patient_id._dental_message_block(channel)
            for channel, reminders in self.grouped('channel').items()
        }
        to_send = self.browse()
        for reminder in self:
            reason = reminder._skip_reason(now, recipients[reminder.id], blacklist, due_rules, blocked=blocked)
            if reason:
                results[reminder.id] = {'state': 'skipped', 'reason': reason, 'processed_at': now}
            else:
                to_send |= reminder
        for channel, reminders in to_send.grouped('channel').items():
            results.update(reminders._queue_messages(channel, now))
        self._bulk_update(results)
        self._log_in_chatter()

    def _skip_reason(self, now, partner, blacklist, due_rules, blocked=None):
        """Why this reminder must not go, or False. Checked after the claim, on current data.

        ``blocked``: {channel: {patient id: reason}} of the batch (``dental.patient._dental_message_block``).
        """
        self.ensure_one()
        appointment = self.appointment_id
        if appointment.state in ('cancelled', 'no_show'):
            return 'cancelled'
        if appointment.state not in REMINDED_STATES:
            return 'started'
        if appointment.start != self.appointment_start:
            return 'moved'
        if appointment.start <= now:
            return 'past'
        # Another rule of the same channel, closer to the start, is due too: only that one goes.
        if any(
            rule.channel == self.rule_id.channel
            and rule.hours_before < self.rule_id.hours_before
            and appointment.start - timedelta(hours=rule.hours_before) <= now
            for rule in due_rules.get(self.company_id.id, ())
        ):
            return 'superseded'
        company = self.company_id
        tz = pytz.timezone(appointment._dental_tz())
        due_local = pytz.utc.localize(self.scheduled_at).astimezone(tz)
        if (
            in_quiet_hours(due_local, company.dental_quiet_hour_start, company.dental_quiet_hour_end)
            and now > appointment.start - QUIET_MARGIN
        ):
            return 'quiet_hours'
        patient = appointment.patient_id
        if blocked is None:
            blocked = {self.channel: patient._dental_message_block(self.channel)}
        if reason := blocked.get(self.channel, {}).get(patient.id):
            return reason
        return self._skip_reason_channel(partner, blacklist)

    def _skip_reason_channel(self, partner, blacklist):
        """Channel-specific checks of the recipient; the SMS bridge adds its own."""
        if self.channel == 'email':
            if not partner.email_normalized:
                return 'no_email'
            if partner.email_normalized in blacklist['email']:
                return 'blacklisted'
        return False

    @api.model
    def _blacklist_cache(self, partners):
        """Blacklisted e-mails and numbers among the recipients of a batch: one query per list."""
        partners = self.env['res.partner'].union(*partners)
        emails = [email for email in partners.mapped('email_normalized') if email]
        numbers = [number for number in partners.mapped('mobile') + partners.mapped('phone') if number]
        return {
            'email': set(self.env['mail.blacklist'].sudo().search([('email', 'in', emails)]).mapped('email'))
            if emails
            else set(),
            'phone': set(self.env['phone.blacklist'].sudo().search([('number', 'in', numbers)]).mapped('number'))
            if numbers
            else set(),
        }

    @api.model
    def _due_rules_by_company(self):
        rules = self.env['dental.reminder.rule'].sudo().search([])
        by_company = defaultdict(list)
        for rule in rules:
            by_company[rule.company_id.id].append(rule)
        return by_company

    def _queue_messages(self, channel, now):
        """Queue this batch's messages of one channel; no gateway is called here.

        :return: {reminder id: values to store}
        """
        if channel != 'email':
            return {
                reminder.id: {
                    'state': 'failed',
                    'reason': 'error',
                    'processed_at': now,
                    'failure_message': 'Unknown channel',
                }
                for reminder in self
            }
        results = {}
        for template, reminders in self.grouped(lambda r: r.rule_id.mail_template_id).items():
            # Checked again here: the template may have changed since the rule took it, and it is rendered as
            # superuser, on these reminders only.
            problem = template._dental_sending_problem(self._name)
            if problem:
                results.update(reminders._failed_results(now, problem))
                continue
            mails = template.sudo().send_mail_batch(reminders.ids, email_values={'auto_delete': True})
            mail_by_reminder = {mail.res_id: mail.id for mail in mails}
            for reminder in reminders:
                results[reminder.id] = {
                    'state': 'queued',
                    'processed_at': now,
                    'mail_mail_id': mail_by_reminder.get(reminder.id),
                }
        return results

    def _failed_results(self, now, problem):
        """Values of these reminders when their template may not be sent (logged for the administrator)."""
        _logger.warning('Dental reminders: %s reminders not sent: %s', len(self), problem)
        return {
            reminder.id: {'state': 'failed', 'reason': 'error', 'processed_at': now, 'failure_message': problem[:250]}
            for reminder in self
        }

    def _bulk_update(self, values_by_id):
        """One UPDATE for the whole batch (the values differ per row)."""
        values_by_id = {rid: vals for rid, vals in values_by_id.items() if vals}
        if not values_by_id:
            return
        columns = (
            'partner_id',
            'state',
            'reason',
            'processed_at',
            'mail_mail_id',
            'failure_message',
            *self._bulk_extra_columns(),
        )
        for column in columns:
            rows = [(rid, vals[column]) for rid, vals in values_by_id.items() if column in vals]
            if not rows:
                continue
            cast = self._bulk_column_cast(column)
            self.env.cr.execute(
                SQL(
                    "UPDATE dental_reminder r SET %(column)s = v.value FROM (VALUES %(values)s) AS v(id, value) "
                    "WHERE r.id = v.id",
                    column=SQL.identifier(column),
                    values=SQL(', ').join(SQL('(%s, %s::' + cast + ')', rid, value) for rid, value in rows),
                )
            )
        self.invalidate_model(list(columns))

    def _bulk_extra_columns(self):
        return ()

    @api.model
    def _bulk_column_cast(self, column):
        return {'partner_id': 'int4', 'mail_mail_id': 'int4', 'processed_at': 'timestamp'}.get(column, 'varchar')

    def _log_in_chatter(self):
        """One short line per reminder in its appointment's chatter (never the message itself)."""
        bodies = defaultdict(list)
        for reminder in self:
            lang = reminder.company_id.partner_id.lang or self.env.lang
            bodies[reminder.appointment_id].append(reminder.with_context(lang=lang)._chatter_line())
        appointments = self.env['dental.appointment'].union(*bodies)
        if appointments:
            appointments.sudo()._message_log_batch(
                bodies={appointment.id: '\n'.join(lines) for appointment, lines in bodies.items()}
            )

    def _chatter_line(self):
        self.ensure_one()
        _ = self.env._
        channel = dict(self._fields['channel']._description_selection(self.env)).get(self.channel)
        if self.state == 'skipped':
            reason = dict(self._fields['reason']._description_selection(self.env)).get(self.reason)
            return _(
                'Reminder %(hours)s h before by %(channel)s skipped: %(reason)s.',
                hours=self.rule_id.hours_before,
                channel=channel,
                reason=reason,
            )
        if self.state == 'failed':
            return _(
                'Reminder %(hours)s h before by %(channel)s failed.', hours=self.rule_id.hours_before, channel=channel
            )
        return _('Reminder %(hours)s h before by %(channel)s queued.', hours=self.rule_id.hours_before, channel=channel)

    # ------------------------------------------------------------------
    # Delivery state and withdrawal
    # ------------------------------------------------------------------

    @api.model
    def _sync_delivery_state(self):
        """Queued reminders whose message left become ``sent``; failed ones ``failed``.

        Set-based (a few UPDATEs, whatever the number of messages in flight).
        Sent e-mails are deleted by the mail queue (``auto_delete``): a queued
        reminder that lost its e-mail was sent.
        """
        self.env.flush_all()
        for query in self._delivery_sync_queries():
            self.env.cr.execute(query)
        self.invalidate_model(['state', 'failure_message', 'mail_mail_id'])

    @api.model
    def _delivery_sync_queries(self):
        """The UPDATEs bringing the queued reminders in line with their messages; the SMS bridge adds its own."""
        return [
            SQL("""
                UPDATE dental_reminder r
                   SET state = CASE m.state WHEN 'exception' THEN 'failed' ELSE 'skipped' END,
                       failure_message = LEFT(m.failure_reason, 250)
                  FROM mail_mail m
                 WHERE m.id = r.mail_mail_id AND r.state = 'queued' AND m.state IN ('exception', 'cancel')
            """),
            SQL("""
                UPDATE dental_reminder r SET state = 'sent'
                 WHERE r.state = 'queued' AND r.channel = 'email'
                   AND NOT EXISTS (SELECT 1 FROM mail_mail m WHERE m.id = r.mail_mail_id AND m.state != 'sent')
            """),
        ]

    def _withdraw(self, reason):
        """Cancel the messages of these queued reminders that did not leave yet, and mark them skipped."""
        withdrawn = self.browse()
        for reminder in self.filtered(lambda r: r.state == 'queued'):
            if reminder._cancel_message():
                withdrawn |= reminder
        if withdrawn:
            withdrawn.write({'state': 'skipped', 'reason': reason})
        return withdrawn

    def _cancel_message(self):
        """Cancel this reminder's message if still in the queue; the SMS bridge adds its channel."""
        self.ensure_one()
        if self.channel == 'email' and self.mail_mail_id.state in ('outgoing', 'exception'):
            self.mail_mail_id.sudo().cancel()
            return True
        return False


def local_values(env, value, tz_name):
    """Weekday, date and time texts of a naive UTC ``value`` in ``tz_name``, in ``env``'s language."""
    local = pytz.utc.localize(value).astimezone(pytz.timezone(tz_name))
    locale = babel_locale_parse(env.lang or 'en_US')
    return {
        'local_weekday': babel_format_date(local.date(), 'EEEE', locale=locale),
        'local_weekday_short': babel_format_date(local.date(), 'EEE', locale=locale),
        'local_date': babel_format_date(local.date(), 'long', locale=locale),
        'local_date_short': format_skeleton('ddMM', local, locale=locale),
        'local_time': local.strftime('%H:%M'),
    }
