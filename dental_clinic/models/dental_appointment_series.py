from odoo import _, api, fields, models

from .dental_roles import dentist_domain


class DentalAppointmentSeries(models.Model):
    """Recurring visits of one patient with one dentist, e.g. orthodontic maintenance every 4 weeks.

    Each visit is an ordinary ``dental.appointment`` (``series_id``), booked by
    the series wizard through the normal ``create``; the series only links
    them, so that a visit can be moved or cancelled with the following ones.
    It is written by the system only: the wizard creates it (as superuser,
    once the user's own bookings have passed every check), users read it.
    """

    _name = 'dental.appointment.series'
    _description = 'Dental Appointment Series'
    _inherit = ['dental.field.guard']
    _order = 'id desc'
    _check_company_auto = True
    _rec_names_search = ['patient_id']
    _dental_system_fields = (
        'company_id',
        'patient_id',
        'dentist_id',
        'chair_id',
        'interval_weeks',
        'count',
        'until_date',
        'appointment_ids',
    )

    company_id = fields.Many2one(
        'res.company', required=True, index=True, readonly=True, default=lambda self: self.env.company
    )
    # The series goes with its patient when the record is purged (its appointments go first).
    patient_id = fields.Many2one(
        'dental.patient', required=True, index=True, readonly=True, check_company=True, ondelete='cascade'
    )
    dentist_id = fields.Many2one('res.users', required=True, readonly=True, check_company=True, domain=dentist_domain)
    chair_id = fields.Many2one('dental.chair', required=True, readonly=True, check_company=True)
    interval_weeks = fields.Integer(string='Every', required=True, readonly=True, help='Weeks between two visits.')
    count = fields.Integer(string='Visits Asked', readonly=True, help='Number of visits asked, the first included.')
    until_date = fields.Date(string='Until', readonly=True, help='The last visit was asked no later than this date.')
    appointment_ids = fields.One2many('dental.appointment', 'series_id', string='Appointments', readonly=True)
    appointment_count = fields.Integer(string='Appointments Booked', compute='_compute_appointment_count')

    _sql_constraints = [
        ('interval_positive', 'CHECK (interval_weeks >= 1)', 'A series has at least one week between two visits.'),
    ]

    @api.depends('patient_id', 'interval_weeks')
    def _compute_display_name(self):
        for series in self:
            series.display_name = _(
                '%(patient)s, every %(weeks)s weeks', patient=series.patient_id.name, weeks=series.interval_weeks
            )

    @api.depends('appointment_ids')
    def _compute_appointment_count(self):
        counts = dict(
            self.env['dental.appointment']._read_group([('series_id', 'in', self.ids)], ['series_id'], ['__count'])
        )
        for series in self:
            series.appointment_count = counts.get(series, 0)

    @api.model_create_multi
    def create(self, vals_list):
        self._dental_check_client_values('create', vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._dental_check_client_values('write', [vals])
        return super().write(vals)
