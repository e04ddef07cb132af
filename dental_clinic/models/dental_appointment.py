import math
from bisect import bisect_right, insort
from collections import defaultdict
from datetime import datetime, timedelta

import pytz
from psycopg2 import errors as pg_errors

from odoo import _, api, fields, models
from odoo.addons.resource.models.utils import Intervals, float_to_time
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL, clean_context, format_datetime

from .dental_field_guard import MAX_YEAR, MIN_YEAR, is_blank
from .dental_roles import DENTIST_GROUP, RECEPTIONIST_GROUP, dentist_domain

# States that do not hold their slot: their chair and dentist are free again.
INACTIVE_STATES = ('cancelled', 'no_show')
# The only state changes allowed, target -> states it may come from. Every
# action, the cancel wizard and any direct write of ``state`` go through it.
TRANSITIONS = {
    'confirmed': ('scheduled',),
    'arrived': ('scheduled', 'confirmed'),
    'in_progress': ('arrived',),
    'done': ('in_progress',),
    'no_show': ('scheduled', 'confirmed'),
    'cancelled': ('scheduled', 'confirmed'),
}
# Only appointments still to come can move to another time, chair or dentist;
# they are also the only states an appointment may be booked in.
MOVABLE_STATES = ('scheduled', 'confirmed')
# Starting and finishing a visit write the clinical record: dentists only.
CLINICAL_STATES = ('in_progress', 'done')
# When each step of the visit happened, set by the system.
STATE_TIMESTAMPS = {'arrived': 'arrived_at', 'in_progress': 'started_at', 'done': 'done_at'}
CANCEL_ORIGINS = ('patient', 'clinic')
# A visit lasts at most this long (its dates stay within the guard's MIN_YEAR..MAX_YEAR).
MAX_DURATION_HOURS = 12
SLOT_FIELDS = ('start', 'stop', 'chair_id', 'dentist_id')
SLOT_STEP_MINUTES = 15
# The slot finder looks this far ahead at most (a date typed in year 9999 is a typo).
SLOT_SEARCH_HORIZON_DAYS = 5 * 365
# When fewer slots than asked are free within the days searched, the slot finder looks this many times as far.
SLOT_SEARCH_FURTHER = 4
# The calendar asks for the dentists' hours of what it shows: a month view spans six weeks.
CALENDAR_HOURS_MAX_DAYS = 62
# Set on the cursor (not in the context, which a client could send) while ``_set_state`` writes a state.
SETTING_STATE = 'dental_clinic.appointment_setting_state'
# Hours booked when no procedure says otherwise.
DEFAULT_DURATION = 0.5
# Context of the calendar.event mirror: no invitation or change e-mails, no
# alarms, no chatter noise, and a marker so the event does not write back.
EVENT_SYNC_CONTEXT = {
    'no_mail_to_attendees': True,
    'dont_notify': True,
    'mail_create_nolog': True,
    'mail_create_nosubscribe': True,
    'mail_notrack': True,
    'calendar_no_videocall': True,
    'mail_auto_subscribe_no_notify': True,
    'dental_appointment_sync': True,
}


def ceil_to_step(value, step):
    """``value`` rounded up to the next multiple of ``step`` (a slot boundary)."""
    return datetime.min + -((datetime.min - value) // step) * step


def _round_interval_end(value):
    """Attendances ending at 24:00 end at 23:59:59.999999 in resource intervals: make that midnight."""
    if value.microsecond == 999999:
        return value + timedelta(microseconds=1)
    return value


def _intervals_cover(intervals, start, stop):
    """Whether working ``intervals`` (resource Intervals, aware) cover naive UTC ``start``..``stop`` entirely."""
    start, stop = pytz.utc.localize(start), pytz.utc.localize(stop)
    covered = sum(
        (
            min(stop, _round_interval_end(i_stop)) - max(start, i_start)
            for i_start, i_stop, _meta in intervals
            if i_start < stop and _round_interval_end(i_stop) > start
        ),
        timedelta(),
    )
    return covered >= stop - start


class DentalAppointment(models.Model):
    """A patient's visit: one dentist, one chair, one time slot.

    Double booking is impossible: two appointments holding their slot (not
    cancelled, not a no-show) never overlap in the same chair or for the same
    dentist. Each appointment is mirrored by a private ``calendar.event`` of
    its dentist so that it shows in Odoo's Calendar app.

    Planned procedures come from the catalogue. While the appointment can
    still move, its duration follows them (an explicitly given duration wins).
    When the visit starts (``action_start``), each procedure without a
    treatment on this appointment yet becomes a planned ``dental.treatment``
    of the patient with the appointment's dentist, unless it needs a tooth:
    those cannot be charted blind, so the dentist charts them from the
    appointment's Treatments page. When the visit is done (``action_done``),
    the same happens for procedures added meanwhile, then the appointment's
    treatments still planned become done on the appointment's local date.
    Both run as superuser on the appointment's own treatments only, so that
    the front desk can start and finish visits without any clinical access.
    """

    _name = 'dental.appointment'
    _description = 'Dental Appointment'
    _inherit = ['mail.thread', 'mail.activity.mixin', 'dental.field.guard']
    _order = 'start, id'
    _check_company_auto = True
    _rec_names_search = ['patient_id']
    _dental_system_fields = (
        'arrived_at',
        'started_at',
        'done_at',
        'cancel_origin',
        'cancel_reason',
        'cancelled_by_id',
        'cancelled_at',
        'is_late_cancellation',
        'calendar_event_id',
        'series_id',
    )
    _dental_create_only_fields = ('company_id',)

    company_id = fields.Many2one('res.company', required=True, index=True, default=lambda self: self.env.company)
    patient_id = fields.Many2one('dental.patient', required=True, index=True, check_company=True, tracking=True)
    partner_id = fields.Many2one(related='patient_id.partner_id', string='Contact')
    patient_mobile = fields.Char(related='patient_id.mobile_national', string='Mobile')
    patient_done_count = fields.Integer(related='patient_id.attendance_done_count')
    patient_no_show_count = fields.Integer(related='patient_id.attendance_no_show_count')
    patient_late_cancel_count = fields.Integer(related='patient_id.attendance_late_cancel_count')
    dentist_id = fields.Many2one(
        'res.users', required=True, index=True, tracking=True, check_company=True, domain=dentist_domain
    )
    chair_id = fields.Many2one('dental.chair', required=True, index=True, tracking=True, check_company=True)
    start = fields.Datetime(required=True, index=True, tracking=True)
    # No ``default``: it would count as an explicit value and stop the duration following the procedures.
    duration = fields.Float(
        compute='_compute_duration',
        store=True,
        readonly=False,
        precompute=True,
        help='Duration in hours: the sum of the planned procedures\' default durations unless set by hand.',
    )
    # The week query of the calendar filters on ``stop >= week start``: indexed,
    # it stays fast however many past appointments the clinic keeps.
    # Not copied: a copy moved to another start keeps the duration, not the old end.
    stop = fields.Datetime(
        string='End',
        required=True,
        index=True,
        compute='_compute_stop',
        store=True,
        readonly=False,
        precompute=True,
        copy=False,
    )
    state = fields.Selection(
        [
            ('scheduled', 'Scheduled'),
            ('confirmed', 'Confirmed'),
            ('arrived', 'Arrived'),
            ('in_progress', 'In Progress'),
            ('done', 'Done'),
            ('cancelled', 'Cancelled'),
            ('no_show', 'No Show'),
        ],
        required=True,
        default='scheduled',
        index=True,
        tracking=True,
        copy=False,
        group_expand='_read_group_expand_states',
    )
    arrived_at = fields.Datetime(readonly=True, copy=False)
    started_at = fields.Datetime(readonly=True, copy=False)
    done_at = fields.Datetime(readonly=True, copy=False)
    procedure_ids = fields.Many2many(
        'dental.procedure',
        string='Planned Procedures',
        check_company=True,
        help='Picked from the catalogue by the front desk; they become planned treatments when the visit starts.',
    )
    notes = fields.Html()
    is_paid = fields.Boolean(string='Paid', tracking=True, copy=False)
    # Cancellation, filled in by the cancel wizard.
    cancel_origin = fields.Selection(
        [('patient', 'Patient'), ('clinic', 'Clinic')], string='Cancelled By', readonly=True, copy=False
    )
    cancel_reason = fields.Text(string='Cancellation Reason', readonly=True, copy=False)
    cancelled_by_id = fields.Many2one('res.users', string='Cancelled By User', readonly=True, copy=False)
    cancelled_at = fields.Datetime(readonly=True, copy=False)
    is_late_cancellation = fields.Boolean(
        string='Late Cancellation',
        readonly=True,
        copy=False,
        help='Cancelled less than the company\'s late-cancellation delay before the start '
        '(the delay in force when it was cancelled).',
    )
    # Medical alert: everybody sees that there is one, only dentists see what it is.
    has_medical_alert = fields.Boolean(related='patient_id.has_medical_alert')
    medical_alert = fields.Char(
        related='patient_id.medical_alert', string='Medical Alert Details', groups=DENTIST_GROUP
    )
    calendar_event_id = fields.Many2one(
        'calendar.event', readonly=True, copy=False, index='btree_not_null', ondelete='set null'
    )
    chair_color = fields.Integer(related='chair_id.color')
    # Set by the series wizard only (``dental.appointment.series.wizard``), after its own checks.
    series_id = fields.Many2one(
        'dental.appointment.series',
        readonly=True,
        copy=False,
        index='btree_not_null',
        ondelete='set null',
        check_company=True,
        help='The recurring visits this appointment belongs to (e.g. orthodontic maintenance every 4 weeks).',
    )
    # Display helpers of the Today board and the calendar.
    time_label = fields.Char(
        string='Time', compute='_compute_time_label', help='Start and end times in the user\'s time zone.'
    )
    is_striked = fields.Boolean(compute='_compute_calendar_style', help='Struck through in the calendar.')
    is_hatched = fields.Boolean(compute='_compute_calendar_style', help='Hatched in the calendar: not confirmed yet.')
    # Clinical records of the visit: dentists and managers only.
    treatment_ids = fields.One2many('dental.treatment', 'appointment_id', string='Treatments', groups=DENTIST_GROUP)
    procedure_to_chart_ids = fields.Many2many(
        'dental.procedure',
        string='Procedures to Chart',
        compute='_compute_procedure_to_chart_ids',
        groups=DENTIST_GROUP,
        help='Planned procedures that need a tooth and have no treatment on this appointment yet.',
    )
    clinical_note_ids = fields.One2many(
        'dental.clinical.note', 'appointment_id', string='Clinical Notes', groups=DENTIST_GROUP
    )
    has_unsigned_note = fields.Boolean(
        string='Unsigned Clinical Note',
        compute='_compute_has_unsigned_note',
        groups=DENTIST_GROUP,
        help='A clinical note of this visit is still a draft: the dentist is warned when finishing the visit.',
    )

    # Python cannot refuse concurrent double bookings: a constraint method runs
    # inside its own transaction and cannot see rows that another, not yet
    # committed, transaction is inserting; both would pass and both commit.
    # PostgreSQL's exclusion constraints check against uncommitted rows too:
    # the second insert waits for the first transaction and fails if it
    # commits. ``int4range(x, x, '[]') WITH =`` compares ids without needing
    # the btree_gist extension; '[)' ranges make back-to-back slots legal.
    _sql_constraints = [
        ('stop_after_start', 'CHECK (stop > start)', 'An appointment must end after it starts.'),
        (
            'chair_no_overlap',
            """
            EXCLUDE USING GIST (
                int4range(chair_id, chair_id, '[]') WITH =,
                tsrange(start, stop, '[)') WITH &&
            ) WHERE (state NOT IN ('cancelled', 'no_show'))
         """,
            'This chair is already booked at that time.',
        ),
        (
            'dentist_no_overlap',
            """
            EXCLUDE USING GIST (
                int4range(dentist_id, dentist_id, '[]') WITH =,
                tsrange(start, stop, '[)') WITH &&
            ) WHERE (state NOT IN ('cancelled', 'no_show'))
         """,
            'This dentist is already booked at that time.',
        ),
    ]

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    @api.depends('patient_id', 'chair_id')
    def _compute_display_name(self):
        # One assignment per patient, not per appointment: the calendar reads a week of them at once.
        for patient, appointments in self.grouped('patient_id').items():
            appointments.display_name = patient.name or _('New Appointment')

    @api.model
    def _read_group_expand_states(self, states, domain):
        """The front desk board shows every step of the day in workflow order, even when empty."""
        return [key for key, _label in self._fields['state'].selection]

    @api.depends('procedure_ids')
    def _compute_duration(self):
        """Follow the procedures while the slot can move; keep the duration once the visit is under way.

        Only the choice of procedures counts, not later edits of the catalogue's
        durations: those must not silently move booked appointments.
        """
        for appointment in self:
            if appointment.duration and (not appointment.procedure_ids or appointment.state not in MOVABLE_STATES):
                continue
            appointment.duration = self._planned_duration(appointment.procedure_ids)

    @api.depends('start', 'duration')
    def _compute_stop(self):
        for appointment in self:
            if appointment.start:
                # Whole minutes, or float hours would lose a second on the way.
                appointment.stop = appointment.start + timedelta(minutes=round((appointment.duration or 0) * 60))
            else:
                appointment.stop = False

    @api.depends('procedure_ids', 'treatment_ids.procedure_id')
    def _compute_procedure_to_chart_ids(self):
        for appointment in self:
            charted = appointment.treatment_ids.procedure_id
            appointment.procedure_to_chart_ids = appointment.procedure_ids.filtered(
                lambda procedure, charted=charted: procedure.requires_tooth and procedure not in charted
            )

    @api.depends('clinical_note_ids.state')
    def _compute_has_unsigned_note(self):
        for appointment in self:
            appointment.has_unsigned_note = any(note.state != 'signed' for note in appointment.clinical_note_ids)

    @api.depends('start', 'stop')
    @api.depends_context('tz')
    def _compute_time_label(self):
        for appointment in self:
            if appointment.start and appointment.stop:
                start = appointment._format_datetime(appointment.start, time_only=True)
                stop = appointment._format_datetime(appointment.stop, time_only=True)
                appointment.time_label = f'{start} – {stop}'
            else:
                appointment.time_label = False

    @api.depends('state')
    def _compute_calendar_style(self):
        # One assignment per state, not per appointment: the calendar reads a week of them at once.
        for state, appointments in self.grouped('state').items():
            appointments.is_striked = state in INACTIVE_STATES
            appointments.is_hatched = state == 'scheduled'

    # ------------------------------------------------------------------
    # Constraints and onchanges
    # ------------------------------------------------------------------

    @api.constrains('dentist_id')
    def _check_dentist_group(self):
        for appointment in self:
            if not appointment.dentist_id.has_group(DENTIST_GROUP):
                raise ValidationError(_('%s is not a dentist of the clinic.', appointment.dentist_id.name))

    def _check_slots_free(self, slots):
        """Name the conflicting appointment before PostgreSQL refuses the overlap with a technical error.

        Runs before the INSERT/UPDATE (the exclusion constraints fire on the
        statement itself). ``slots`` are (chair_id, dentist_id, start, stop)
        of the appointments being booked; ``self`` are those being moved,
        whose current slots do not count. The exclusion constraints stay the
        real guarantee: this query cannot see concurrent, uncommitted rows.
        """
        slots = [slot for slot in slots if all(slot)]
        if any(start >= stop for _chair, _dentist, start, stop in slots):
            raise ValidationError(_('An appointment must end after it starts.'))
        if not slots:
            return
        labels = {'chair': 0, 'dentist': 1}
        # Among the appointments of the same batch.
        for kind, index in labels.items():
            ordered = sorted(slots, key=lambda s: (s[index], s[2]))
            for previous, current in zip(ordered, ordered[1:], strict=False):
                if previous[index] == current[index] and current[2] < previous[3]:
                    raise ValidationError(self._overlap_message(kind, current, previous))
        self.flush_model([*SLOT_FIELDS, 'state'])
        values = SQL(', ').join(SQL('(%s, %s, %s::timestamp, %s::timestamp)', *slot) for slot in slots)
        # One probe per resource, written like the exclusion constraints so that they use their GiST indexes.
        probes = [
            SQL(
                """
                (SELECT new.chair_id, new.dentist_id, new.start, new.stop, b.id, %(kind)s
                   FROM new
                   JOIN dental_appointment b
                     ON int4range(%(column)s, %(column)s, '[]') = int4range(%(new_column)s, %(new_column)s, '[]')
                    AND tsrange(b.start, b.stop, '[)') && tsrange(new.start, new.stop, '[)')
                    AND b.state NOT IN %(inactive)s
                    AND b.id != ALL(%(ids)s)
                  LIMIT 1)
            """,
                kind=kind,
                column=SQL.identifier('b', f'{kind}_id'),
                new_column=SQL.identifier('new', f'{kind}_id'),
                inactive=INACTIVE_STATES,
                ids=list(self.ids),
            )
            for kind in labels
        ]
        query = SQL(
            "WITH new (chair_id, dentist_id, start, stop) AS (VALUES %s) %s LIMIT 1",
            values,
            SQL(' UNION ALL ').join(probes),
        )
        self.env.cr.execute(query)
        row = self.env.cr.fetchone()
        if row:
            other = self.sudo().browse(row[4])
            raise ValidationError(
                self._overlap_message(
                    row[5], row[:4], (other.chair_id.id, other.dentist_id.id, other.start, other.stop), other
                )
            )

    def _overlap_message(self, kind, slot, other_slot, other=None):
        """Say what is in the way, naming only what the user may read (never another company's patient)."""
        chair = self.env['dental.chair'].browse(slot[0])
        readable_other = other and other.with_env(self.env)._filtered_access('read')
        values = {
            'chair': chair.sudo().name if chair._filtered_access('read') else _('this chair'),
            'dentist': self.env['res.users'].sudo().browse(slot[1]).name,
            'start': self._format_datetime(other_slot[2]),
            'stop': self._format_datetime(other_slot[3], time_only=True),
            'patient': (
                readable_other.patient_id.name
                if readable_other
                else _('another patient')
                if other
                else _('another new appointment')
            ),
        }
        if kind == 'chair':
            return _(
                'Chair %(chair)s is already booked from %(start)s to %(stop)s (appointment of %(patient)s).', **values
            )
        return _('%(dentist)s already has an appointment from %(start)s to %(stop)s (patient %(patient)s).', **values)

    @api.constrains('start', 'stop', 'chair_id', 'dentist_id')
    def _check_working_hours(self):
        """Refuse bookings outside the chair's working hours (holidays of its calendar included), or outside
        the dentist's own hours or during one of their absences (``_dental_hours_problems``).

        Checked when the slot is booked or moved, not when the state changes: a
        holiday added later does not stop the front desk from confirming or
        cancelling what was booked before. Only data loading (superuser) may
        book outside hours, e.g. the demo's walk-ins.
        """
        if self.env.su and self.env.context.get('dental_allow_outside_hours'):
            return
        to_check = self.filtered(lambda a: a.state in MOVABLE_STATES and a.start and a.stop)
        problems = self._dental_hours_problems([(a.chair_id.id, a.dentist_id.id, a.start, a.stop) for a in to_check])
        problem = next(filter(None, problems), None)
        if problem:
            raise ValidationError(problem)

    @api.model
    def _dental_hours_problems(self, slots):
        """Why each (chair_id, dentist_id, start, stop) of ``slots`` is outside working hours, False where it is not.

        The chair's hours (holidays of its calendar included) first, then the dentist's: a dentist's hours
        and absences are those of their ``resource.resource`` (Odoo's own per-person schedule, no hr module
        needed); a dentist without one is bound by the chair's hours only. Each calendar's intervals are
        computed once for all the slots (a series spans up to years).
        """
        problems = [False] * len(slots)
        indexed = [(index, slot) for index, slot in enumerate(slots) if all(slot)]
        if not indexed:
            return problems
        chairs = self.env['dental.chair'].browse({slot[0] for _index, slot in indexed})
        by_calendar = {}
        for index, slot in indexed:
            by_calendar.setdefault(chairs.browse(slot[0]).resource_calendar_id, []).append((index, slot))
        for calendar, items in by_calendar.items():
            tz = pytz.timezone(calendar.tz or 'UTC')
            range_start = pytz.utc.localize(min(slot[2] for _index, slot in items))
            range_stop = pytz.utc.localize(max(slot[3] for _index, slot in items))
            intervals = calendar._work_intervals_batch(range_start, range_stop, tz=tz)[False]
            for index, (chair_id, _dentist_id, start, stop) in items:
                if not _intervals_cover(intervals, start, stop):
                    problems[index] = _(
                        '%(chair)s is closed at some time between %(start)s and %(stop)s: book within its '
                        'working hours (%(hours)s, time zone %(tz)s).',
                        chair=chairs.browse(chair_id).name,
                        start=self._format_datetime(start, tz=calendar.tz),
                        stop=self._format_datetime(stop, tz=calendar.tz, time_only=True),
                        hours=calendar.name,
                        tz=calendar.tz or 'UTC',
                    )
        intervals_by_dentist = self._dental_dentist_intervals(
            self.env['res.users'].browse({slot[1] for _index, slot in indexed}),
            pytz.utc.localize(min(slot[2] for _index, slot in indexed)),
            pytz.utc.localize(max(slot[3] for _index, slot in indexed)),
        )
        for index, (chair_id, dentist_id, start, stop) in indexed:
            intervals = intervals_by_dentist.get(dentist_id)
            if problems[index] or intervals is None or _intervals_cover(intervals, start, stop):
                continue
            tz = chairs.browse(chair_id)._dental_tz()
            problems[index] = _(
                '%(dentist)s is not working or is absent at some time between %(start)s and %(stop)s: '
                'book within their working hours and outside their absences.',
                dentist=self.env['res.users'].sudo().browse(dentist_id).name,
                start=self._format_datetime(start, tz=tz),
                stop=self._format_datetime(stop, tz=tz, time_only=True),
            )
        return problems

    def _dental_slot_problems(self, slots):
        """Why each (chair_id, dentist_id, start, stop) of ``slots`` cannot be booked, False where it can.

        The checks of a booking (``create``), without raising and for all the slots at once, to preview many
        bookings (a series): another appointment in the way (``self``'s own slots do not count, as in
        ``_check_slots_free``), then the chair's and the dentist's hours. The bookings themselves go
        through ``create`` or ``write``, which check again; the exclusion constraints stay the guarantee.
        """
        problems = [False] * len(slots)
        indexed = [(index, slot) for index, slot in enumerate(slots) if all(slot)]
        if not indexed:
            return problems
        self.flush_model([*SLOT_FIELDS, 'state'])
        values = SQL(', ').join(
            SQL('(%s, %s, %s, %s::timestamp, %s::timestamp)', index, *slot) for index, slot in indexed
        )
        # Written like the exclusion constraints, so that each probe uses their GiST index.
        probes = SQL(' UNION ALL ').join(
            SQL(
                """
                SELECT new.n, b.id, %(kind)s AS kind, b.start
                  FROM new
                  JOIN dental_appointment b
                    ON int4range(%(column)s, %(column)s, '[]') = int4range(%(new_column)s, %(new_column)s, '[]')
                   AND tsrange(b.start, b.stop, '[)') && tsrange(new.start, new.stop, '[)')
                   AND b.state NOT IN %(inactive)s
                   AND b.id != ALL(%(ids)s)
                """,
                kind=kind,
                column=SQL.identifier('b', f'{kind}_id'),
                new_column=SQL.identifier('new', f'{kind}_id'),
                inactive=INACTIVE_STATES,
                ids=list(self.ids),
            )
            for kind in ('chair', 'dentist')
        )
        self.env.cr.execute(
            SQL(
                'WITH new (n, chair_id, dentist_id, start, stop) AS (VALUES %s) '
                'SELECT DISTINCT ON (n) n, id, kind FROM (%s) AS clash ORDER BY n, kind, start',
                values,
                probes,
            )
        )
        rows = self.env.cr.fetchall()
        others = self.sudo().browse([row[1] for row in rows])
        for index, other_id, kind in rows:
            other = others.browse(other_id)
            problems[index] = self._overlap_message(
                kind, slots[index], (other.chair_id.id, other.dentist_id.id, other.start, other.stop), other
            )
        hours = self._dental_hours_problems(
            [(False, False, False, False) if problems[index] else slot for index, slot in enumerate(slots)]
        )
        return [problem or hour_problem for problem, hour_problem in zip(problems, hours, strict=True)]

    @api.model
    def _dental_dentist_resources(self, dentists):
        """{user id: resource.resource} of the dentists who have their own working hours."""
        resources = (
            self.env['resource.resource']
            .sudo()
            .search([('user_id', 'in', dentists.ids), ('calendar_id', '!=', False)], order='id')
        )
        by_user = {}
        for resource in resources:
            by_user.setdefault(resource.user_id.id, resource)
        return by_user

    @api.model
    def _dental_dentist_absences(self, user_ids, date_from, date_to):
        """The absences of dentists with their own hours (users ``user_ids``) overlapping two naive UTC
        datetimes, in date order: what the calendar and the Today board show by type (read as superuser:
        the front desk sees the type, never the reason)."""
        return (
            self.env['resource.calendar.leaves']
            .sudo()
            .search(
                [
                    ('resource_id.user_id', 'in', user_ids),
                    ('resource_id.calendar_id', '!=', False),
                    ('date_from', '<', date_to),
                    ('date_to', '>', date_from),
                ],
                order='date_from, id',
            )
        )

    @api.model
    def _dental_dentist_intervals(self, dentists, utc_from, utc_to):
        """{user id: Intervals} of each dentist's working time, their absences and the holidays removed.

        The attendances of all their calendars and the leaves of all of them are read in two queries
        (``_dental_weekly_intervals``), instead of two per calendar by ``_work_intervals_batch``, which stays
        the reference and still serves the calendars that batch does not cover (two-week, flexible hours,
        attendances of one person).
        """
        groups = defaultdict(list)
        for resource in self._dental_dentist_resources(dentists).values():
            groups[resource.calendar_id, resource.calendar_id.tz or resource.tz or 'UTC'].append(resource.id)
        Resource = self.env['resource.resource'].sudo()
        calendars = self.env['resource.calendar'].sudo().union(*(calendar for calendar, _tz in groups))
        weekly = self._dental_weekly_intervals(calendars, Resource.browse(i for ids in groups.values() for i in ids))
        result = {}
        for (calendar, tz), resource_ids in groups.items():
            resources = Resource.browse(resource_ids)
            if calendar.id in weekly.attendances:
                batch = weekly(calendar, resources, utc_from, utc_to, pytz.timezone(tz))
            else:
                batch = calendar._work_intervals_batch(utc_from, utc_to, resources=resources, tz=pytz.timezone(tz))
            for resource in resources:
                result[resource.user_id.id] = batch[resource.id]
        return result

    @api.model
    def _dental_weekly_intervals(self, calendars, resources):
        """Working intervals of weekly calendars for their resources, from one read of their attendances and
        one of the resources' leaves, computed as ``resource.calendar._work_intervals_batch`` does.

        :return: a callable (calendar, resources, utc_from, utc_to, tz) -> {resource id: Intervals}, whose
            ``attendances`` are the calendars it covers (the others go through Odoo's method)
        """
        Attendance = self.env['resource.calendar.attendance'].sudo()
        regular = calendars.filtered(lambda c: not c.two_weeks_calendar and not c.flexible_hours)
        attendances = defaultdict(list)
        irregular = set()
        for attendance in Attendance.search_fetch(
            [('calendar_id', 'in', regular.ids), ('display_type', '=', False), ('day_period', '!=', 'lunch')],
            ['calendar_id', 'dayofweek', 'hour_from', 'hour_to', 'date_from', 'date_to', 'resource_id'],
        ):
            if attendance.resource_id:
                irregular.add(attendance.calendar_id.id)
            attendances[attendance.calendar_id.id].append(attendance)
        for calendar in regular:
            attendances.setdefault(calendar.id, [])
        for calendar_id in irregular:
            del attendances[calendar_id]
        leaves_cache = {}

        def leaves_of(utc_from, utc_to):
            key = (utc_from, utc_to)
            if key not in leaves_cache:
                leaves = (
                    self.env['resource.calendar.leaves']
                    .sudo()
                    .search_fetch(
                        [
                            ('time_type', '=', 'leave'),
                            ('calendar_id', 'in', [False, *attendances]),
                            ('resource_id', 'in', [False, *resources.ids]),
                            ('date_from', '<=', utc_to.astimezone(pytz.utc).replace(tzinfo=None)),
                            ('date_to', '>=', utc_from.astimezone(pytz.utc).replace(tzinfo=None)),
                        ],
                        ['calendar_id', 'resource_id', 'company_id', 'date_from', 'date_to'],
                    )
                )
                # Plain values: each resource of each calendar looks at them.
                leaves_cache[key] = [
                    (
                        leave.calendar_id.id,
                        leave.resource_id.id,
                        leave.company_id.id,
                        pytz.utc.localize(leave.date_from),
                        pytz.utc.localize(leave.date_to),
                        leave,
                    )
                    for leave in leaves
                ]
            return leaves_cache[key]

        def intervals(calendar, calendar_resources, utc_from, utc_to, tz):
            start, end = utc_from.astimezone(tz), utc_to.astimezone(tz)
            by_day = defaultdict(list)
            for attendance in attendances[calendar.id]:
                by_day[int(attendance.dayofweek)].append(attendance)
            worked = []
            day = start.date()
            while day <= end.date():
                for attendance in by_day[day.weekday()]:
                    if (attendance.date_from and day < attendance.date_from) or (
                        attendance.date_to and attendance.date_to < day
                    ):
                        continue
                    day_from = tz.localize(datetime.combine(day, float_to_time(attendance.hour_from)))
                    day_to = tz.localize(datetime.combine(day, float_to_time(attendance.hour_to)))
                    if day_from < end and day_to > start:
                        worked.append((max(start, day_from), min(end, day_to), Attendance))
                day += timedelta(days=1)
            worked = Intervals(worked)
            leaves = leaves_of(utc_from, utc_to)
            result = {}
            for resource in calendar_resources:
                company_id = resource.company_id.id
                off = [
                    (max(start, date_from.astimezone(tz)), min(end, date_to.astimezone(tz)), leave)
                    for leave_calendar_id, resource_id, leave_company_id, date_from, date_to, leave in leaves
                    if leave_calendar_id in (False, calendar.id)
                    and (resource_id == resource.id or (not resource_id and leave_company_id == company_id))
                ]
                result[resource.id] = worked - Intervals(off)
            return result

        intervals.attendances = attendances
        return intervals

    @api.model
    def _dental_clinic_dentists(self):
        """The dentists the clinic books in the user's companies: the chairs' own dentists and those with
        their own working hours (a manager who does not treat patients is neither)."""
        companies = self.env.companies
        chairs = self.env['dental.chair'].sudo().search([('company_id', 'in', companies.ids)])
        resources = (
            self.env['resource.resource']
            .sudo()
            .search(
                [('user_id', '!=', False), ('calendar_id', '!=', False), ('company_id', 'in', [*companies.ids, False])]
            )
        )
        return (
            self.env['res.users']
            .sudo()
            .search(
                [
                    ('id', 'in', (chairs.dentist_id | resources.user_id).ids),
                    ('groups_id', 'in', self.env.ref(DENTIST_GROUP).ids),
                    ('company_ids', 'in', companies.ids),
                ],
                order='name, id',
            )
        )

    @api.onchange('chair_id')
    def _onchange_chair_id(self):
        """Suggest the chair's dentist, never replacing a dentist already chosen (slot finder, calendar filter)."""
        if self.chair_id.dentist_id and not self.dentist_id:
            self.dentist_id = self.chair_id.dentist_id

    @api.onchange('stop')
    def _onchange_stop(self):
        """An end typed in the form or given by a calendar click sets the duration, so both always agree."""
        if self.start and self.stop and self.stop > self.start:
            duration = (self.stop - self.start).total_seconds() / 3600
            if abs(duration - (self.duration or 0)) > 1 / 120:
                self.duration = duration

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        self._dental_check_client_values('create', vals_list)
        # ``copy()`` and RPC may call create on existing records: never borrow their values.
        new = self.browse()
        vals_list = [new._add_missing_default_values(vals) for vals in vals_list]
        for vals in vals_list:
            new._check_booking_vals(vals)
            missing = [fname for fname in ('patient_id', 'chair_id', 'dentist_id', 'start') if not vals.get(fname)]
            if missing:
                raise ValidationError(
                    _(
                        'Give the %s of the appointment.',
                        ', '.join(
                            self._fields[fname]._description_string(self._dental_lang_env()) for fname in missing
                        ),
                    )
                )
            if not self.env.su and vals.get('state') not in MOVABLE_STATES:
                raise UserError(
                    _(
                        'An appointment is booked as scheduled or confirmed; the visit then moves on '
                        'with its buttons (arrived, start, done, cancel, no-show).'
                    )
                )
            new._set_duration_from_stop(vals, vals.get('start'))
        new._check_slots_free(
            [new._slot_from_vals(vals) for vals in vals_list if vals.get('state', 'scheduled') not in INACTIVE_STATES]
        )
        race_message = self._concurrent_booking_message()
        try:
            # The receptionist who books does not follow every appointment (as hr_holidays' meetings).
            appointments = (
                super(DentalAppointment, self.with_context(mail_create_nosubscribe=True))
                .create(vals_list)
                .with_env(self.env)
            )
        except pg_errors.ExclusionViolation:
            raise ValidationError(race_message) from None
        appointments._create_calendar_events()
        return appointments

    def write(self, vals):
        self._dental_check_client_values('write', [vals])
        self._check_booking_vals(vals)
        if 'state' in vals and not self.env.cr.cache.get(SETTING_STATE):
            # A state change is a step of the visit, with its own rules and side effects.
            vals = dict(vals)
            target = vals.pop('state')
            if vals:
                self.write(vals)
            self.filtered(lambda a: a.state != target)._set_state(target)
            return True
        if any(fname in vals for fname in (*SLOT_FIELDS, 'duration')):
            not_movable = self.filtered(lambda a: a.state not in MOVABLE_STATES)
            if not_movable:
                raise UserError(
                    _(
                        'Only scheduled or confirmed appointments can be moved: %(appointment)s is %(state)s.',
                        appointment=not_movable[0].display_name,
                        state=dict(self._fields['state']._description_selection(self._dental_lang_env()))[
                            not_movable[0].state
                        ],
                    )
                )
        if 'patient_id' in vals:
            self._check_clinical_records_patient(vals['patient_id'])
        if 'procedure_ids' in vals and 'duration' not in vals and 'stop' not in vals:
            # The duration follows the procedures: give it explicitly, so that
            # the slot checks below see the new end before the UPDATE.
            movable = self.filtered(lambda a: a.state in MOVABLE_STATES)
            if movable and len(self) > 1:
                for appointment in self:
                    appointment.write(dict(vals))
                return True
            procedures = movable._procedures_from_vals(vals)
            if movable and procedures:
                vals = dict(vals, duration=self._planned_duration(procedures))
        if 'stop' in vals:
            # A resize in the calendar sends only ``stop``: the duration follows,
            # per start when several appointments are written at once.
            if 'start' in vals or len(self) <= 1:
                self._set_duration_from_stop(vals, vals.get('start') or self.start)
            else:
                for appointment in self:
                    appointment.write(dict(vals))
                return True
        moving = any(fname in vals for fname in (*SLOT_FIELDS, 'duration'))
        if moving:
            self._check_slots_free(
                [appointment._slot_from_vals(vals) for appointment in self if appointment.state not in INACTIVE_STATES]
            )
        race_message = moving and self._concurrent_booking_message()
        result = super().write(vals)
        if moving:
            try:
                self.flush_recordset([*SLOT_FIELDS, 'duration'])
            except pg_errors.ExclusionViolation:
                raise ValidationError(race_message) from None
        if moving or 'patient_id' in vals:
            self._sync_calendar_events()
        return result

    def unlink(self):
        events = self.calendar_event_id
        result = super().unlink()
        # The sync context replaces the caller's: no client key (default_*, ...) reaches the events.
        events.sudo().with_context(EVENT_SYNC_CONTEXT).unlink()  # pylint: disable=context-overridden
        return result

    def copy(self, default=None):
        """A copy is a new booking: it must fit in a free slot and starts its life as scheduled."""
        return super().copy(default=dict(default or {}, state='scheduled'))

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_confirm(self):
        return self._set_state('confirmed')

    def action_arrive(self):
        return self._set_state('arrived')

    def action_start(self):
        return self._set_state('in_progress')

    def action_done(self):
        return self._set_state('done')

    def action_no_show(self):
        return self._set_state('no_show')

    def action_open_cancel_wizard(self):
        self._check_transition('cancelled', cancelling=True)
        return {
            'type': 'ir.actions.act_window',
            'name': _('Cancel Appointment'),
            'res_model': 'dental.appointment.cancel',
            'view_mode': 'form',
            'target': 'new',
            'context': {'default_appointment_ids': self.ids},
        }

    def action_open_reschedule_wizard(self):
        self.ensure_one()
        if self.state not in MOVABLE_STATES:
            raise UserError(_('Only scheduled or confirmed appointments can be rescheduled.'))
        return {
            'type': 'ir.actions.act_window',
            'name': _('Reschedule Appointment'),
            'res_model': 'dental.appointment.reschedule',
            'view_mode': 'form',
            'target': 'new',
            'context': {'default_appointment_id': self.id},
        }

    def action_open_series_wizard(self):
        """Repeat this appointment every few weeks: the wizard previews each visit before booking them."""
        self.ensure_one()
        self.env['dental.appointment.series.wizard']._check_can_repeat(self)
        return {
            'type': 'ir.actions.act_window',
            'name': _('Repeat Appointment'),
            'res_model': 'dental.appointment.series.wizard',
            'view_mode': 'form',
            'target': 'new',
            'context': {'default_appointment_id': self.id, 'dialog_size': 'extra-large'},
        }

    def _action_new_treatment(self, procedure=None):
        """A new treatment form for this visit, prefilled: the dentist picks the tooth and surfaces."""
        self.ensure_one()
        context = {
            'default_patient_id': self.patient_id.id,
            'default_appointment_id': self.id,
            'default_dentist_id': self.dentist_id.id,
        }
        if procedure:
            context['default_procedure_id'] = procedure.id
        return {
            'type': 'ir.actions.act_window',
            'name': _('Chart Treatment'),
            'res_model': 'dental.treatment',
            'view_mode': 'form',
            'views': [(False, 'form')],
            'target': 'new',
            'context': context,
        }

    def action_write_clinical_note(self):
        """A new clinical note of this visit, its patient and appointment filled in."""
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'name': _('Clinical Note'),
            'res_model': 'dental.clinical.note',
            'view_mode': 'form',
            'views': [(False, 'form')],
            'target': 'new',
            'context': {'default_patient_id': self.patient_id.id, 'default_appointment_id': self.id},
        }

    def action_open_calendar_event(self):
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'res_model': 'calendar.event',
            'res_id': self.calendar_event_id.id,
            'view_mode': 'form',
        }

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    def reschedule(self, start, stop, dentist=None, chair=None):
        """Move the appointment in one write: the old slot is freed and the new one booked atomically.

        ``dentist`` and ``chair`` are records or ids (RPC).
        """
        if len(self) != 1:
            raise UserError(_('Reschedule one appointment at a time.'))
        old = self._format_datetime(self.start)
        vals = {'start': start, 'stop': stop}
        if dentist:
            vals['dentist_id'] = dentist.id if isinstance(dentist, models.BaseModel) else dentist
        if chair:
            vals['chair_id'] = chair.id if isinstance(chair, models.BaseModel) else chair
        self.write(vals)
        self.message_post(
            body=_('Rescheduled from %(old)s to %(new)s.', old=old, new=self._format_datetime(self.start))
        )
        return True

    def _dental_series_following(self):
        """These appointments and, for those of a series, the later visits of their series still to come
        (scheduled or confirmed): what "this and the following" means."""
        following = self
        for appointment in self.filtered('series_id'):
            following |= appointment.series_id.appointment_ids.filtered(
                lambda a, start=appointment.start: a.start > start and a.state in MOVABLE_STATES
            )
        return following

    def reschedule_following(self, start, stop, dentist=None, chair=None):
        """Move this appointment and the following visits of its series by the same time, to the given
        duration, dentist and chair: all of them or none.

        Every new slot is checked first (another appointment, chair and dentist hours, past times); if any
        cannot move, nothing moves and the message names each date that cannot. Each one then moves through
        ``reschedule`` (the checks of a single move, its chatter message).
        """
        if len(self) != 1:
            raise UserError(_('Reschedule one appointment at a time.'))
        start, stop = fields.Datetime.to_datetime(start), fields.Datetime.to_datetime(stop)
        self._check_booking_vals({'start': start, 'stop': stop})
        if not start or not stop or stop <= start:
            raise ValidationError(_('An appointment must end after it starts.'))
        appointments = self._dental_series_following().sorted('start')
        not_movable = appointments.filtered(lambda a: a.state not in MOVABLE_STATES)
        if not_movable:
            raise UserError(_('Only scheduled or confirmed appointments can be rescheduled.'))
        dentist_id = (dentist.id if isinstance(dentist, models.BaseModel) else dentist) or self.dentist_id.id
        chair_id = (chair.id if isinstance(chair, models.BaseModel) else chair) or self.chair_id.id
        delta, length = start - self.start, stop - start
        moves = [(appointment, appointment.start + delta) for appointment in appointments]
        slots = [(chair_id, dentist_id, new_start, new_start + length) for _appointment, new_start in moves]
        problems = appointments._dental_slot_problems(slots)
        now = fields.Datetime.now()
        refused = [
            (new_start, problem or _('This time is already past.'))
            for (appointment, new_start), problem in zip(moves, problems, strict=True)
            if problem or (new_start < now and appointment != self)
        ]
        if refused:
            tz = self._dental_tz()
            raise ValidationError(
                _(
                    'Nothing was moved: these visits of the series cannot move.\n%s',
                    '\n'.join(f'{self._format_datetime(when, tz=tz)}: {why}' for when, why in refused),
                )
            )
        # Later visits first when moving forward (earlier first backward): none lands on one not moved yet.
        for appointment, new_start in sorted(moves, key=lambda move: move[1], reverse=delta > timedelta()):
            appointment.reschedule(new_start, new_start + length, dentist=dentist_id, chair=chair_id)
        return True

    def cancel(self, origin, reason):
        """Cancel, recording who asked for it and why; lateness is judged now, with the company's delay."""
        if origin not in CANCEL_ORIGINS:
            raise ValidationError(_('Say whether the patient or the clinic cancels.'))
        if is_blank(reason):
            raise ValidationError(_('Give the reason of the cancellation.'))
        return self._set_state('cancelled', cancel_origin=origin, cancel_reason=reason.strip())

    def _set_state(self, target, **values):
        """Apply one step of TRANSITIONS to all of self, or none if any of them may not take it.

        The only way the state changes: the actions, the cancel wizard and a
        client's ``write({'state': ...})`` (a card dragged on the Today board)
        all come here, so that each step has the same checks, time stamps and
        side effects. System-set values are written past ``write``'s guard.
        """
        if target not in dict(self._fields['state'].selection):
            raise ValidationError(_('%s is not a state of an appointment.', target))
        appointments = self
        appointments._check_transition(target, cancelling=bool(values.get('cancel_reason')))
        if target in ('arrived', 'in_progress', 'done'):
            appointments.patient_id._dental_check_cpf_first_visit(_('the first check-in'))
        now = fields.Datetime.now()
        if target in STATE_TIMESTAMPS:
            values[STATE_TIMESTAMPS[target]] = now
        if target == 'cancelled':
            values.update(cancelled_by_id=self.env.uid, cancelled_at=now)
            late = appointments.filtered(lambda a: a._dental_cancelling_late(now))
        else:
            late = appointments.browse()
        # The checks are done: the user's right to write these appointments holds, the values set by the
        # system then go past the client guard (sudo), through write and every override of it.
        appointments.check_access('write')
        cache = self.env.cr.cache
        cache[SETTING_STATE] = True
        try:
            if late:
                late.sudo().write({'state': target, 'is_late_cancellation': True, **values})
            if appointments - late:
                (appointments - late).sudo().write({'state': target, **values})
        finally:
            cache.pop(SETTING_STATE, None)
        appointments = self.filtered(lambda a: a.state == target)
        if target in INACTIVE_STATES:
            # The slot is free again: the dentist's calendar shows it free too.
            events = appointments.calendar_event_id.sudo()
            events.with_context(EVENT_SYNC_CONTEXT).action_archive()  # pylint: disable=context-overridden
        elif target == 'in_progress':
            appointments._create_planned_treatments()
        elif target == 'done':
            appointments._create_planned_treatments()
            appointments._complete_planned_treatments()
        return True

    def _create_planned_treatments(self):
        """Turn the procedures that need no tooth and have no treatment on their appointment yet into planned
        treatments of the visit's dentist. Idempotent; runs as the dentist who starts or finishes the visit.

        :return: the new treatments
        """
        appointments = self
        charted = {(treatment.appointment_id.id, treatment.procedure_id.id) for treatment in appointments.treatment_ids}
        vals_list = [
            {
                'patient_id': appointment.patient_id.id,
                'appointment_id': appointment.id,
                'dentist_id': appointment.dentist_id.id,
                'procedure_id': procedure.id,
                'state': 'planned',
            }
            for appointment in appointments
            for procedure in appointment.procedure_ids
            if not procedure.requires_tooth and (appointment.id, procedure.id) not in charted
        ]
        if not vals_list:
            return self.env['dental.treatment']
        return self.env['dental.treatment'].create(vals_list)

    def _complete_planned_treatments(self):
        """Mark the treatments charted on these visits and still planned done, on the visit's local date."""
        planned = self.treatment_ids.filtered(lambda treatment: treatment.state == 'planned')
        for date, treatments in planned.grouped(lambda treatment: treatment.appointment_id._local_date()).items():
            treatments._complete_visit(date)

    def _dental_cancelling_late(self, now):
        """Whether a cancellation at ``now`` is late: less than the company's delay before the start."""
        self.ensure_one()
        return self.start - now < timedelta(hours=self.company_id.dental_late_cancel_hours)

    def _dental_tz(self):
        """The clinic's time zone for this appointment: its chair's (``dental.chair._dental_tz``)."""
        self.ensure_one()
        return self.chair_id._dental_tz() if self.chair_id else self.company_id._dental_tz()

    def _local_date(self):
        """Date of the start where the clinic is (``_dental_tz``)."""
        self.ensure_one()
        tz = pytz.timezone(self._dental_tz())
        return pytz.utc.localize(self.start).astimezone(tz).date()

    def _check_clinical_records_patient(self, patient_id):
        """Refuse giving another patient to appointments that already hold clinical records."""
        domain = [('appointment_id', 'in', self.ids), ('patient_id', '!=', patient_id)]
        if self.env['dental.treatment'].sudo().search_count(domain, limit=1) or self.env[
            'dental.clinical.note'
        ].sudo().search_count(domain, limit=1):
            raise ValidationError(
                _(
                    'This appointment already has treatments or clinical notes of its patient: '
                    'book a new appointment for another patient.'
                )
            )

    @api.model
    def _planned_duration(self, procedures):
        """Chair time of ``procedures``: the sum of their default durations, or the default slot."""
        return sum(procedures.mapped('duration')) or DEFAULT_DURATION

    def _procedures_from_vals(self, vals):
        """The procedures of the appointment (of a new one if self is empty) once ``vals`` are written."""
        ids = self._fields['procedure_ids'].convert_to_cache(vals.get('procedure_ids') or [], self[:1])
        return self.env['dental.procedure'].browse(ids)

    def _check_transition(self, target, cancelling=False):
        """The step is allowed from each current state, and to this user.

        Check-in, no-show and cancellation are the front desk's; starting and
        finishing a visit write the clinical record, so they are the dentists'.
        A cancellation always says who asked and why (``cancel()``).
        """
        if self and not self.env.su:
            if target in CLINICAL_STATES and not self.env.user.has_group(DENTIST_GROUP):
                raise AccessError(_('Only dentists start and finish visits.'))
            if target == 'cancelled' and not cancelling:
                raise UserError(_('Cancel appointments with the Cancel button, saying who cancels and why.'))
        allowed = TRANSITIONS.get(target, ())
        wrong = self.filtered(lambda a: a.state not in allowed)
        if wrong:
            labels = dict(self._fields['state']._description_selection(self._dental_lang_env()))
            raise UserError(
                _(
                    'Appointment of %(patient)s cannot go from "%(current)s" to "%(target)s".',
                    patient=wrong[0].patient_id.name,
                    current=labels[wrong[0].state],
                    target=labels.get(target, target),
                )
            )

    @api.model
    def _check_booking_vals(self, vals):
        """Refuse values that are not a time or a duration with a clear message, before the ORM chokes on them."""
        for fname in ('start', 'stop'):
            if vals.get(fname):
                try:
                    value = fields.Datetime.to_datetime(vals[fname])
                except (ValueError, TypeError):
                    value = None
                if not isinstance(value, datetime):
                    label = self._fields[fname]._description_string(self._dental_lang_env())
                    raise ValidationError(
                        _('%(value)r is not a date and time (%(field)s).', value=vals[fname], field=label)
                    )
                if not MIN_YEAR <= value.year <= MAX_YEAR:
                    raise ValidationError(
                        _(
                            '%(date)s is not a date an appointment can take place.',
                            date=fields.Datetime.to_string(value),
                        )
                    )
        if vals.get('duration') not in (None, False):
            duration = vals['duration']
            if isinstance(duration, bool) or not isinstance(duration, (int, float)) or not math.isfinite(duration):
                raise ValidationError(_('%r is not a duration: give the hours as a number, e.g. 0.5.', duration))
            if not 0 < duration <= MAX_DURATION_HOURS:
                raise ValidationError(_('An appointment lasts more than 0 and at most %s hours.', MAX_DURATION_HOURS))

    def _concurrent_booking_message(self):
        """The loser of a true race (both checks passed before either committed) hears it in their language."""
        return self._dental_lang_env()._(
            'This slot was just booked by someone else for the same chair or dentist: pick another time.'
        )

    def _slot_from_vals(self, vals):
        """(chair_id, dentist_id, start, stop) once ``vals`` are written on self (or created, if self is empty)."""
        start = fields.Datetime.to_datetime(vals['start']) if 'start' in vals else self.start
        if vals.get('stop'):
            stop = fields.Datetime.to_datetime(vals['stop'])
        elif 'start' in vals or 'duration' in vals or not self:
            if 'duration' in vals:
                duration = vals['duration']
            elif self:
                duration = self.duration
            else:
                duration = self._planned_duration(self._procedures_from_vals(vals))
            stop = start + timedelta(minutes=round((duration or 0) * 60)) if start else None
        else:
            stop = self.stop
        chair_id = vals['chair_id'] if 'chair_id' in vals else self.chair_id.id
        dentist_id = vals['dentist_id'] if 'dentist_id' in vals else self.dentist_id.id
        return (chair_id, dentist_id, start, stop)

    @api.model
    def _set_duration_from_stop(self, vals, start):
        """When an end arrives, the duration is the time from the start to it, even if a different duration
        came along: the end is what the calendar and the form show, so it is what gets stored."""
        if vals.get('stop') and start:
            delta = fields.Datetime.to_datetime(vals['stop']) - fields.Datetime.to_datetime(start)
            vals['duration'] = delta.total_seconds() / 3600

    def _format_datetime(self, value, tz=None, dt_format='short', time_only=False):
        """A date in the user's language and time zone (an RPC call may come without a context)."""
        tz = tz or self.env.user.tz or self.chair_id[:1].resource_calendar_id.tz or 'UTC'
        lang = self.env.lang or self.env.user.lang
        if time_only:
            return format_datetime(self.env, value, tz=tz, dt_format='HH:mm', lang_code=lang)
        return format_datetime(self.env, value, tz=tz, dt_format=dt_format, lang_code=lang)

    def _calendar_event_values(self):
        self.ensure_one()
        # No patient name: any internal user can search events by name, private ones included.
        return {
            'name': _('Dental appointment (%s)', self.chair_id.name),
            'start': self.start,
            'stop': self.stop,
            'user_id': self.dentist_id.id,
            'partner_ids': [fields.Command.set(self.dentist_id.partner_id.ids)],
            'location': self.chair_id.name,
            'privacy': 'private',
            'show_as': 'busy',
        }

    def _event_env(self):
        return self.env['calendar.event'].sudo().with_context(clean_context(self.env.context), **EVENT_SYNC_CONTEXT)

    def _create_calendar_events(self):
        """One batched create for all the events; only the dentist is invited, and not by e-mail."""
        to_link = self.filtered(lambda a: not a.calendar_event_id)
        if not to_link:
            return
        model_id = self.env['ir.model']._get_id(self._name)
        # Values the event would otherwise compute after its INSERT, each costing an UPDATE or a read.
        events = self._event_env().create(
            [
                dict(
                    appointment._calendar_event_values(),
                    res_model_id=model_id,
                    res_model=self._name,
                    res_id=appointment.id,
                    active=appointment.state not in INACTIVE_STATES,
                    videocall_location=False,
                    duration=appointment.duration,
                    start_date=False,
                    stop_date=False,
                    attendee_ids=[
                        fields.Command.create(
                            {
                                'partner_id': appointment.dentist_id.partner_id.id,
                                'common_name': appointment.dentist_id.partner_id.name,
                                'email': appointment.dentist_id.partner_id.email or '',
                                'state': 'accepted',
                            }
                        )
                    ],
                )
                for appointment in to_link
            ]
        )
        for appointment, event in zip(to_link, events, strict=True):
            appointment.sudo().write({'calendar_event_id': event.id})

    def _sync_calendar_events(self):
        for appointment in self.filtered('calendar_event_id'):
            appointment.calendar_event_id.with_env(self._event_env().env).write(appointment._calendar_event_values())
        self.filtered(lambda a: not a.calendar_event_id)._create_calendar_events()

    @api.model
    def get_calendar_business_hours(self):
        """Opening hours of the chairs of the user's companies, for the calendar to shade the closed ones.

        :return: FullCalendar ``businessHours`` (days 0 = Sunday), from the chairs' working hours
        """
        chairs = self.env['dental.chair'].search([('company_id', 'in', self.env.companies.ids)])
        hours = set()
        for attendance in chairs.resource_calendar_id.attendance_ids:
            if attendance.display_type or attendance.week_type:
                continue
            hours.add(((int(attendance.dayofweek) + 1) % 7, attendance.hour_from, attendance.hour_to))
        return [
            {
                'daysOfWeek': [day],
                'startTime': '{:02d}:{:02d}'.format(*divmod(round(hour_from * 60), 60)),
                'endTime': '{:02d}:{:02d}'.format(*divmod(round(hour_to * 60), 60)),
            }
            for day, hour_from, hour_to in sorted(hours)
        ]

    @api.model
    def get_calendar_dentist_hours(self, date_from, date_to, domain=None, dentist_ids=None):
        """What the calendar shades for the dentists it shows: the hours none of them works, and their absences.

        The dentists shown are ``dentist_ids`` when the calendar's side panel picks some, else the clinic's
        dentists that the search ``domain`` (the calendar's) allows. A dentist without their own working
        hours follows the chairs' (shaded already): then no hour is shaded for them. An absence is given by
        its type (vacation, congress...), never by its reason, which may be private.

        :return: ``{'closed': [[start, stop]], 'absences': [{'start', 'stop', 'label'}]}``, naive UTC strings
        """
        if not self.env.user.has_group(RECEPTIONIST_GROUP):
            raise AccessError(_("Only the clinic's staff see the dentists' hours."))
        try:
            utc_from = fields.Datetime.to_datetime(date_from)
            utc_to = fields.Datetime.to_datetime(date_to)
        except (TypeError, ValueError):
            utc_from = utc_to = None
        if not utc_from or not utc_to or not timedelta(0) < utc_to - utc_from <= timedelta(CALENDAR_HOURS_MAX_DAYS):
            raise UserError(_('Ask for the dentists\' hours over at most %s days.', CALENDAR_HOURS_MAX_DAYS))
        all_dentists = self._dental_clinic_dentists()
        dentists = all_dentists
        if dentist_ids:
            if not isinstance(dentist_ids, list | tuple):
                raise UserError(_('Give the dentists as a list of ids.'))
            dentists = dentists.filtered(lambda user: user.id in dentist_ids)
        if domain:
            dentists = dentists.sudo().search(
                expression.AND([[('id', 'in', dentists.ids)], self._dental_dentist_search_domain(domain)])
            )
        result = {'closed': [], 'absences': []}
        if not dentists:
            return result
        utc_range = pytz.utc.localize(utc_from), pytz.utc.localize(utc_to)
        intervals = self._dental_dentist_intervals(dentists, *utc_range)

        def to_string(value):
            return fields.Datetime.to_string(value.astimezone(pytz.utc).replace(tzinfo=None))

        if len(intervals) == len(dentists):
            working = Intervals()
            for dentist_intervals in intervals.values():
                working |= dentist_intervals
            closed = Intervals([(*utc_range, self.env['resource.calendar.attendance'])]) - working
            result['closed'] = [[to_string(start), to_string(stop)] for start, stop, _meta in closed]
        if dentists != all_dentists:
            leaves = self._dental_dentist_absences(list(intervals), utc_from, utc_to)
            for leave in leaves:
                label = leave._dental_absence_label()
                if len(dentists) > 1:
                    label = f'{leave.resource_id.user_id.name}: {label}'
                result['absences'].append(
                    {
                        'start': fields.Datetime.to_string(max(leave.date_from, utc_from)),
                        'stop': fields.Datetime.to_string(min(leave.date_to, utc_to)),
                        'label': label,
                    }
                )
        return result

    @api.model
    def _dental_dentist_search_domain(self, domain):
        """The users' domain of the dentist conditions of an appointments' domain (the calendar's search).

        Each condition on the dentist becomes one on the user (by id or name), any other condition is
        dropped (true): the dentists kept are at least those the search shows, never fewer.
        """
        try:
            if not isinstance(domain, list | tuple):
                raise ValueError(domain)
            domain = expression.normalize_domain(list(domain))
        except (AssertionError, TypeError, ValueError):
            raise UserError(_('Give the search as a domain.')) from None
        if '!' in domain:
            return expression.TRUE_DOMAIN
        result = []
        for term in domain:
            if term in ('&', '|'):
                result.append(term)
                continue
            if not isinstance(term, list | tuple) or len(term) != 3 or term[0] != 'dentist_id':
                result.append(expression.TRUE_LEAF)
                continue
            _field, operator, value = term
            by_id = operator in ('=', '!=', 'in', 'not in') and (
                value is False
                or isinstance(value, int)
                or (isinstance(value, list | tuple) and all(isinstance(v, int) for v in value))
            )
            by_name = operator in ('ilike', 'not ilike', 'like', '=ilike', '=like') and isinstance(value, str)
            if by_id:
                result.append(('id', operator, value))
            elif by_name:
                result.append(('name', operator, value))
            else:
                result.append(expression.TRUE_LEAF)
        return result

    @api.model
    def _find_slots(
        self, duration, dentist=None, chair=None, date_from=None, limit=5, days=14, exclude=None, every_chair=False
    ):
        """Propose the next free slots of ``duration`` hours within the chairs' and the dentists' working hours.

        Without a dentist, the chair's own, else any of the clinic's dentists: each time is then proposed once.
        Searched over ``days`` days, or ``SLOT_SEARCH_FURTHER`` times as far when fewer slots are free then.

        Each time is proposed once per dentist, in the first free chair, unless ``every_chair`` (a caller
        that prefers a given chair ranks them itself).

        :return: a list of dicts ``start``, ``stop`` (naive UTC), ``chair``, ``dentist``, sorted by start.
        """
        if duration <= 0:
            raise UserError(_('The duration must be positive.'))
        step = timedelta(minutes=SLOT_STEP_MINUTES)
        now = fields.Datetime.now()
        date_from = max(fields.Datetime.to_datetime(date_from) if date_from else now, now)
        if date_from > now + timedelta(days=SLOT_SEARCH_HORIZON_DAYS) or duration > 24:
            raise UserError(
                _('Search for slots of at most one day within the next %s years.', SLOT_SEARCH_HORIZON_DAYS // 365)
            )
        date_from = ceil_to_step(date_from, step)
        chairs = chair or self.env['dental.chair'].search([('company_id', 'in', self.env.companies.ids)])
        if dentist:
            candidates = [(c, dentist) for c in chairs]
        elif chair and chair.dentist_id:
            candidates = [(chair, chair.dentist_id)]
        else:
            dentists = self._dental_clinic_dentists()
            companies = {d.id: set(d.company_ids.ids) for d in dentists}
            candidates = [(c, d) for c in chairs for d in dentists if c.company_id.id in companies[d.id]]
        if not candidates:
            raise UserError(_('No dentist works in these chairs: choose a dentist.'))
        # Any dentist: the first free times are near, look at the first days before the whole span. A dentist
        # who works two days a week, or is busy, may have none within it: look further.
        windows = (1, 3, days) if not dentist and len(candidates) > 10 else (days,)
        # Every chair: the caller asked for one span and ranks the slots itself, none further is of use.
        if not every_chair:
            windows = (*windows, days * SLOT_SEARCH_FURTHER)
        slots = []
        for window in windows:
            slots = self._dental_free_slots(
                candidates,
                duration,
                date_from,
                date_from + timedelta(days=window),
                limit,
                exclude=exclude,
                one_per_time=not dentist,
                every_chair=every_chair,
            )
            if len(slots) >= limit:
                break
        return slots

    @api.model
    def _dental_free_slots(
        self,
        candidates,
        duration,
        date_from,
        date_to,
        limit,
        exclude=None,
        per_dentist=False,
        one_per_time=False,
        every_chair=False,
    ):
        """The first ``limit`` free slots (of each dentist if ``per_dentist``) of ``duration`` hours between two
        naive UTC datetimes for (chair, dentist) candidates: each time once per dentist (once if
        ``one_per_time``), in the first free chair, or in every free chair if ``every_chair``.

        Appointments and working hours are read once for all candidates; each chair's hours are
        intersected once with each dentist's.
        """
        step = timedelta(minutes=SLOT_STEP_MINUTES)
        length = timedelta(minutes=round(duration * 60))
        pairs = {(c.id, d.id) for c, d in candidates}
        chairs = self.env['dental.chair'].union(*(c for c, _d in candidates))
        chair_ids = chairs.ids
        dentist_ids = list({d_id for _c_id, d_id in pairs})
        # Every booking of these chairs and dentists (whoever may read them): thousands of rows over weeks,
        # read as plain values without building records.
        fnames = ['start', 'stop', 'chair_id', 'dentist_id']
        self.flush_model([*fnames, 'state'])
        query = self.sudo()._search(
            [
                ('state', 'not in', INACTIVE_STATES),
                ('start', '<', date_to),
                ('stop', '>', date_from),
                '|',
                ('chair_id', 'in', chair_ids),
                ('dentist_id', 'in', dentist_ids),
                ('id', 'not in', exclude.ids if exclude else []),
            ]
        )
        busy_by_chair, busy_by_dentist = defaultdict(list), defaultdict(list)
        for b_start, b_stop, b_chair, b_dentist in self.env.execute_query(
            query.select(*(SQL.identifier(self._table, fname) for fname in fnames))
        ):
            busy_by_chair[b_chair].append((b_start, b_stop))
            busy_by_dentist[b_dentist].append((b_start, b_stop))
        utc_from, utc_to = pytz.utc.localize(date_from), pytz.utc.localize(date_to)
        # Chairs usually share a calendar: compute each one's working intervals once.
        intervals_by_calendar = {
            calendar: calendar._work_intervals_batch(utc_from, utc_to, tz=pytz.timezone(calendar.tz or 'UTC'))[False]
            for calendar in chairs.resource_calendar_id
        }
        # A dentist with their own hours is available only when both the chair and the dentist are.
        intervals_by_dentist = self._dental_dentist_intervals(
            self.env['res.users'].browse(dentist_ids), utc_from, utc_to
        )
        naive_cache = {}

        def naive_intervals(calendar, dentist_id):
            """The candidate's free-to-work spans as naive UTC pairs, from ``date_from`` on."""
            key = (calendar.id, dentist_id if dentist_id in intervals_by_dentist else None)
            if key not in naive_cache:
                intervals = intervals_by_calendar[calendar]
                if key[1]:
                    intervals = intervals & intervals_by_dentist[dentist_id]
                naive_cache[key] = [
                    (
                        max(i_start.astimezone(pytz.utc).replace(tzinfo=None), date_from),
                        _round_interval_end(i_stop).astimezone(pytz.utc).replace(tzinfo=None),
                    )
                    for i_start, i_stop, _meta in intervals
                ]
            return naive_cache[key]

        # Plain values in the loop: record attributes cost more than the search itself at 600 candidates.
        chair_order = {c.id: (c.sequence, c.id) for c in chairs}
        chair_calendar = {c.id: c.resource_calendar_id for c in chairs}
        found_slots = []  # (start, chair order, chair id, dentist id)
        # One time per slot: once ``limit`` times are found, a later time is of no use to any candidate.
        times, bound = [], None
        for chair_id, dentist_id in pairs:
            # The candidate's bookings merged into disjoint spans: their ends are sorted too.
            blocked = []
            for b_start, b_stop in sorted(busy_by_chair[chair_id] + busy_by_dentist[dentist_id]):
                if blocked and b_start <= blocked[-1][1]:
                    blocked[-1][1] = max(blocked[-1][1], b_stop)
                else:
                    blocked.append([b_start, b_stop])
            blocked_stops = [b[1] for b in blocked]
            found = 0
            for i_start, i_stop in naive_intervals(chair_calendar[chair_id], dentist_id):
                cursor = ceil_to_step(i_start, step)
                while cursor + length <= i_stop and found < limit and (bound is None or cursor <= bound):
                    index = bisect_right(blocked_stops, cursor)
                    if index < len(blocked) and blocked[index][0] < cursor + length:
                        cursor = ceil_to_step(blocked[index][1], step)
                        continue
                    found_slots.append((cursor, chair_order[chair_id], chair_id, dentist_id))
                    if one_per_time and cursor not in times:
                        insort(times, cursor)
                        del times[limit:]
                        bound = times[-1] if len(times) == limit else None
                    found += 1
                    cursor += length
                if found >= limit or (bound is not None and i_stop > bound):
                    break
        found_slots.sort()
        # Each time once per dentist (once at all for any dentist), in the first free chair; at most ``limit``
        # (of each dentist if ``per_dentist``).
        seen, count, kept = set(), defaultdict(int), []
        for start, _order, chair_id, dentist_id in found_slots:
            key = (start, None if one_per_time else dentist_id, chair_id if every_chair else None)
            if key in seen:
                continue
            seen.add(key)
            count[dentist_id if per_dentist else None] += 1
            if count[dentist_id if per_dentist else None] > limit:
                if per_dentist:
                    continue
                break
            kept.append((start, chair_id, dentist_id))
        chair_model, user_model = self.env['dental.chair'], self.env['res.users']
        return [
            {'start': start, 'stop': start + length, 'chair': chair_model.browse(c), 'dentist': user_model.browse(d)}
            for start, c, d in kept
        ]
