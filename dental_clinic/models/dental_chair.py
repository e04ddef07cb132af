from odoo import api, fields, models

from .dental_roles import dentist_domain


class DentalChair(models.Model):
    """A dental chair (surgery room) where appointments take place.

    Its working hours are a standard ``resource.calendar`` so that public
    holidays and closures entered in Odoo apply to bookings too.
    """

    _name = 'dental.chair'
    _description = 'Dental Chair'
    _inherit = ['dental.field.guard']
    _order = 'sequence, name, id'
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    color = fields.Integer(string='Colour')
    company_id = fields.Many2one('res.company', required=True, index=True, default=lambda self: self.env.company)
    dentist_id = fields.Many2one(
        'res.users',
        string='Default Dentist',
        check_company=True,
        domain=dentist_domain,
        help='Proposed as the dentist of new appointments in this chair.',
    )
    resource_calendar_id = fields.Many2one(
        'resource.calendar',
        string='Working Hours',
        required=True,
        check_company=True,
        default=lambda self: self.env.company.resource_calendar_id,
        help='Appointments in this chair must fall within these hours (in the calendar\'s time zone).',
    )
    notes = fields.Text()

    _sql_constraints = [
        ('name_company_uniq', 'unique (company_id, name)', 'Two chairs of the same company cannot share a name.'),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        self._dental_check_client_values('create', vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._dental_check_client_values('write', [vals])
        return super().write(vals)

    def _dental_tz(self):
        """The time zone of the clinic where the chair is: the one place that says it.

        The chair's working hours, else its company's (``res.company._dental_tz``). Local days, quiet
        hours and the times in the patients' messages all come from here.
        """
        self.ensure_one()
        return self.resource_calendar_id.tz or self.company_id._dental_tz()
