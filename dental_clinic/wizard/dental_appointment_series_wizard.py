from datetime import datetime, time, timedelta

import pytz
from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tools import format_datetime

from ..models.dental_appointment import INACTIVE_STATES, SLOT_SEARCH_HORIZON_DAYS

# Two years of visits every week at most (orthodontics: every 4 weeks for 2 years is 26); beyond, a typo.
MAX_SERIES_VISITS = 104
MAX_SERIES_YEARS = 3
MAX_INTERVAL_WEEKS = 52
# A visit that cannot take place as asked gets the nearest free slot proposed, this many days around at most.
NEAR_DAYS = 3


class DentalAppointmentSeriesWizard(models.TransientModel):
    """Repeat an appointment every N weeks: preview each visit, then book them all at once.

    The preview lists each visit asked, free or why not, with the nearest free
    slot for the others (``_nearest_free_slot``); the receptionist books it as
    asked, takes the proposal or skips it. "Book" creates every accepted visit
    in one ``create`` of ``dental.appointment``, as the user, with all the
    checks of a single booking (``action_book`` says what happens if the
    agenda changed since the preview).
    """

    _name = 'dental.appointment.series.wizard'
    _description = 'Repeat a Dental Appointment'
    _inherit = ['dental.wizard.guard']

    appointment_id = fields.Many2one('dental.appointment', required=True, readonly=True)
    # Read as the user (the appointment was checked readable on create): never another company's agenda.
    company_id = fields.Many2one(related='appointment_id.company_id', compute_sudo=False)
    patient_id = fields.Many2one(related='appointment_id.patient_id', compute_sudo=False)
    dentist_id = fields.Many2one(related='appointment_id.dentist_id', compute_sudo=False)
    chair_id = fields.Many2one(related='appointment_id.chair_id', compute_sudo=False)
    first_start = fields.Datetime(related='appointment_id.start', string='First Visit', compute_sudo=False)
    interval_weeks = fields.Integer(string='Every', required=True, default=4, help='Weeks between two visits.')
    end_type = fields.Selection(
        [('count', 'After a number of visits'), ('until', 'On a date')],
        string='Ends',
        required=True,
        default='count',
    )
    count = fields.Integer(
        string='Number of Visits', default=12, help='Visits in the series, this appointment included.'
    )
    until_date = fields.Date(string='Until', help='No visit after this date.')
    state = fields.Selection([('setup', 'Repetition'), ('preview', 'Preview')], required=True, default='setup')
    line_ids = fields.One2many('dental.appointment.series.wizard.line', 'wizard_id', string='Visits Previewed')
    conflict_count = fields.Integer(string='Conflicts', compute='_compute_line_counts')
    book_count = fields.Integer(string='Visits to Book', compute='_compute_line_counts')

    @api.depends('line_ids.status', 'line_ids.decision')
    def _compute_line_counts(self):
        for wizard in self:
            wizard.conflict_count = len(wizard.line_ids.filtered(lambda line: line.status == 'conflict'))
            wizard.book_count = len(wizard.line_ids.filtered(lambda line: line.decision != 'skip'))

    @api.onchange('interval_weeks', 'end_type', 'count', 'until_date')
    def _onchange_repetition(self):
        """Another repetition makes the preview stale: preview again before booking."""
        self.state = 'setup'
        self.line_ids = [Command.clear()]

    def action_preview(self):
        """One line per new visit: free as asked, or why not and the nearest free slot proposed."""
        self.ensure_one()
        appointment = self.appointment_id
        self._check_can_repeat(appointment)
        length = appointment.stop - appointment.start
        slots = [
            (appointment.chair_id.id, appointment.dentist_id.id, start, start + length)
            for start in self._occurrence_starts()
        ]
        problems = self._slot_problems(slots)
        chairs = self.env['dental.chair'].search([('company_id', '=', appointment.company_id.id)])
        lines = []
        for number, (slot, problem) in enumerate(zip(slots, problems, strict=True), start=2):
            values = {
                'sequence': number,
                'start': slot[2],
                'stop': slot[3],
                'status': 'conflict' if problem else 'ok',
                'reason': problem or False,
                'decision': 'book',
            }
            if problem:
                proposal = self._nearest_free_slot(slot, chairs)
                if proposal:
                    values.update(
                        proposed_start=proposal['start'],
                        proposed_stop=proposal['stop'],
                        proposed_chair_id=proposal['chair'].id,
                        decision='proposal',
                    )
                else:
                    values['decision'] = 'skip'
            lines.append(Command.create(values))
        self.write({'line_ids': [Command.clear(), *lines], 'state': 'preview'})
        return self._reopen()

    def action_back(self):
        self.ensure_one()
        self.write({'line_ids': [Command.clear()], 'state': 'setup'})
        return self._reopen()

    def action_book(self):
        """Book every visit not skipped in one transaction, and link them all (this one too) in a series.

        All or nothing: the chosen slots are first checked again, since the agenda may have changed since
        the preview. If any is taken now (or outside hours), nothing is booked and the error lists each
        such date and why, asking to preview again (the error rolls the whole transaction back, so the
        preview cannot be recomputed in it). A booking racing this one that neither check can see yet
        (not committed) is refused by the exclusion constraints: again nothing is booked, with the same
        advice. The visits go through the normal ``create`` as the user: rights, companies, double
        bookings and working hours are checked as for a single booking.
        """
        self.ensure_one()
        appointment = self.appointment_id
        self._check_can_repeat(appointment)
        lines = self.line_ids.sorted('sequence')
        if self.state != 'preview' or not lines:
            raise UserError(_('Preview the visits before booking them.'))
        if sorted(lines.mapped('start')) != self._occurrence_starts():
            raise UserError(_('The repetition changed since the preview: preview again.'))
        chosen = []
        for line in lines:
            if line.decision == 'book':
                if line.status != 'ok':
                    raise UserError(
                        _(
                            'Visit %(number)s (%(date)s) is not free as asked: book the proposal or skip it.',
                            number=line.sequence,
                            date=line.start_label,
                        )
                    )
                chosen.append((appointment.chair_id.id, line.start, line.stop))
            elif line.decision == 'proposal':
                if not (line.proposed_start and line.proposed_stop and line.proposed_chair_id):
                    raise UserError(_('Visit %s has no free slot to propose: skip it.', line.sequence))
                chosen.append((line.proposed_chair_id.id, line.proposed_start, line.proposed_stop))
        if not chosen:
            raise UserError(_('Every visit is skipped: there is nothing to book.'))
        slots = [(chair_id, appointment.dentist_id.id, start, stop) for chair_id, start, stop in chosen]
        taken = [(slot[2], problem) for slot, problem in zip(slots, self._slot_problems(slots), strict=True) if problem]
        if taken:
            tz = appointment._dental_tz()
            raise ValidationError(
                _(
                    'Nothing was booked: these visits are not free any more.\n%s\n'
                    'Preview again to see the agenda as it is now.',
                    '\n'.join(f'{appointment._format_datetime(start, tz=tz)}: {why}' for start, why in taken),
                )
            )
        vals_list = [
            {
                'company_id': appointment.company_id.id,
                'patient_id': appointment.patient_id.id,
                'dentist_id': appointment.dentist_id.id,
                'chair_id': chair_id,
                'start': start,
                'stop': stop,
                'procedure_ids': [Command.set(appointment.procedure_ids.ids)],
                'state': 'scheduled',
            }
            for chair_id, start, stop in chosen
        ]
        try:
            visits = self.env['dental.appointment'].create(vals_list)
        except ValidationError as error:
            raise ValidationError(
                _('Nothing was booked: %s\nPreview again to see the agenda as it is now.', error.args[0])
            ) from None
        series = (
            self.env['dental.appointment.series']
            .sudo()
            .create(
                {
                    'company_id': appointment.company_id.id,
                    'patient_id': appointment.patient_id.id,
                    'dentist_id': appointment.dentist_id.id,
                    'chair_id': appointment.chair_id.id,
                    'interval_weeks': self.interval_weeks,
                    'count': self.count if self.end_type == 'count' else len(lines) + 1,
                    'until_date': self.until_date if self.end_type == 'until' else False,
                }
            )
        )
        (appointment | visits).sudo().write({'series_id': series.id})
        # A note, not a message: a user without an e-mail address books series too.
        appointment._message_log(
            body=_(
                'Repeated every %(weeks)s weeks: %(count)s more visits booked.',
                weeks=self.interval_weeks,
                count=len(visits),
            )
        )
        return {
            'type': 'ir.actions.act_window',
            'name': _('Appointment Series'),
            'res_model': 'dental.appointment.series',
            'res_id': series.id,
            'view_mode': 'form',
            'views': [(False, 'form')],
            'target': 'current',
        }

    @api.model
    def _check_can_repeat(self, appointment):
        """The user books appointments (front desk, dentists, managers) and reads this one; it is booked
        and in no series yet."""
        self.env['dental.appointment'].check_access('create')
        appointment.ensure_one()
        appointment.check_access('read')
        if appointment.series_id:
            raise UserError(_('This appointment is already part of a series: move or cancel its visits from it.'))
        if appointment.state in INACTIVE_STATES:
            raise UserError(_('Repeat a booked appointment, not a cancelled one or a no-show.'))

    def _occurrence_starts(self):
        """Starts (naive UTC) of the new visits: every ``interval_weeks`` weeks after the appointment, at
        the same local time of day where the clinic is (daylight saving time changes included).

        Refuses a repetition out of bounds (interval, number of visits, end date) with a clear message.
        """
        self.ensure_one()
        if not 1 <= self.interval_weeks <= MAX_INTERVAL_WEEKS:
            raise ValidationError(_('Repeat every 1 to %s weeks.', MAX_INTERVAL_WEEKS))
        tz = pytz.timezone(self.appointment_id._dental_tz())
        first = pytz.utc.localize(self.appointment_id.start).astimezone(tz).replace(tzinfo=None)
        if self.end_type == 'count':
            if not 2 <= self.count <= MAX_SERIES_VISITS:
                raise ValidationError(_('A series has 2 to %s visits, this appointment included.', MAX_SERIES_VISITS))
            total = self.count
        else:
            if not self.until_date or self.until_date <= first.date():
                raise ValidationError(_('Give an end date after the first visit.'))
            if self.until_date > first.date() + relativedelta(years=MAX_SERIES_YEARS):
                raise ValidationError(_('A series ends at most %s years after its first visit.', MAX_SERIES_YEARS))
            total = (self.until_date - first.date()).days // (7 * self.interval_weeks) + 1
            if total > MAX_SERIES_VISITS:
                raise ValidationError(
                    _(
                        'That makes %(count)s visits: a series has at most %(max)s. Repeat less often or end earlier.',
                        count=total,
                        max=MAX_SERIES_VISITS,
                    )
                )
            if total < 2:
                raise ValidationError(_('No visit fits before the end date: choose a later date.'))
        return [
            tz.localize(first + timedelta(weeks=number * self.interval_weeks)).astimezone(pytz.utc).replace(tzinfo=None)
            for number in range(1, total)
        ]

    def _slot_problems(self, slots):
        """``dental.appointment._dental_slot_problems``, and a visit in the past is not free either."""
        now = fields.Datetime.now()
        return [
            problem or (slot[2] < now and _('This time is already past.'))
            for slot, problem in zip(slots, self.env['dental.appointment']._dental_slot_problems(slots), strict=True)
        ]

    def _nearest_free_slot(self, slot, chairs):
        """The free slot nearest the asked one, for the same dentist and duration, or None.

        The slot finder's search (``_find_slots``: chair and dentist hours, absences, other appointments)
        over ``NEAR_DAYS`` days on each side, in any of ``chairs``. The same day comes first, then the
        nearest days (the later one of two as near); within a day, the time nearest the asked time of day;
        at equal times, the asked chair.
        """
        chair_id, _dentist_id, start, stop = slot
        appointment = self.appointment_id
        tz = pytz.timezone(appointment._dental_tz())
        day = pytz.utc.localize(start).astimezone(tz).date()
        window_start = (
            tz.localize(datetime.combine(day - timedelta(days=NEAR_DAYS), time.min))
            .astimezone(pytz.utc)
            .replace(tzinfo=None)
        )
        window_stop = window_start + timedelta(days=2 * NEAR_DAYS + 1)
        now = fields.Datetime.now()
        # Past, or beyond what the slot finder searches: nothing to propose.
        if not chairs or window_stop <= now or window_start > now + timedelta(days=SLOT_SEARCH_HORIZON_DAYS):
            return None
        found = self.env['dental.appointment']._find_slots(
            (stop - start).total_seconds() / 3600,
            dentist=appointment.dentist_id,
            chair=chairs,
            date_from=window_start,
            limit=2000,
            days=2 * NEAR_DAYS + 1,
            every_chair=True,
        )
        found = [proposal for proposal in found if proposal['start'] < window_stop]
        if not found:
            return None

        def distance(proposal):
            days = (pytz.utc.localize(proposal['start']).astimezone(tz).date() - day).days
            return (
                abs(days),
                abs(proposal['start'] - start - timedelta(days=days)),
                days < 0,
                proposal['chair'].id != chair_id,
                proposal['chair'].sequence,
                proposal['chair'].id,
            )

        return min(found, key=distance)

    def _reopen(self):
        return {
            'type': 'ir.actions.act_window',
            'name': _('Repeat Appointment'),
            'res_model': self._name,
            'res_id': self.id,
            'view_mode': 'form',
            'target': 'new',
            'context': {'dialog_size': 'extra-large'},
        }


class DentalAppointmentSeriesWizardLine(models.TransientModel):
    """One visit of the series being previewed: as asked, or the proposal, or skipped."""

    _name = 'dental.appointment.series.wizard.line'
    _description = 'Visit of a Repeated Appointment'
    _inherit = ['dental.wizard.guard']
    _order = 'sequence, id'

    wizard_id = fields.Many2one('dental.appointment.series.wizard', required=True, ondelete='cascade')
    sequence = fields.Integer(string='Visit', readonly=True)
    start = fields.Datetime(string='Asked', required=True, readonly=True)
    stop = fields.Datetime(required=True, readonly=True)
    status = fields.Selection([('ok', 'Available'), ('conflict', 'Unavailable')], required=True, readonly=True)
    # Text, not Char: the list wraps it, the whole reason is read.
    reason = fields.Text(string='Why Not', readonly=True)
    proposed_start = fields.Datetime(readonly=True)
    proposed_stop = fields.Datetime(readonly=True)
    proposed_chair_id = fields.Many2one('dental.chair', readonly=True)
    decision = fields.Selection(
        [('book', 'Book as asked'), ('proposal', 'Book the proposal'), ('skip', 'Skip')],
        required=True,
        default='book',
    )
    start_label = fields.Char(string='Date Asked', compute='_compute_labels')
    proposal_label = fields.Text(string='Nearest Free Slot', compute='_compute_labels')

    @api.depends('start', 'stop', 'proposed_start', 'proposed_stop', 'proposed_chair_id')
    def _compute_labels(self):
        """Day and hours in the user's time zone (the clinic's when the user has none)."""
        for line in self:
            tz = self.env.user.tz or line.wizard_id.appointment_id._dental_tz()
            line.start_label = line._slot_label(line.start, line.stop, tz)
            label = line._slot_label(line.proposed_start, line.proposed_stop, tz)
            if label and line.proposed_chair_id:
                label = f'{label} ({line.proposed_chair_id.name})'
            line.proposal_label = label

    def _slot_label(self, start, stop, tz):
        if not start or not stop:
            return False
        day = format_datetime(self.env, start, tz=tz, dt_format='EEE dd/MM/yyyy HH:mm')
        return f"{day} – {format_datetime(self.env, stop, tz=tz, dt_format='HH:mm')}"
