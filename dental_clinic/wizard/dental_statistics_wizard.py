from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command

from ..models.dental_roles import MANAGER_GROUP, dentist_domain

# Longest period of the statistics: enough for a multi-year comparison, and still computed in seconds.
MAX_PERIOD_YEARS = 5


class DentalStatisticsWizard(models.TransientModel):
    """Period statistics and chair occupancy: shown on screen, printed as a PDF."""

    _name = 'dental.statistics.wizard'
    _description = 'Period Statistics'
    _inherit = ['dental.wizard.guard']

    date_from = fields.Date(
        string='From', required=True, default=lambda self: fields.Date.context_today(self).replace(day=1)
    )
    date_to = fields.Date(string='To', required=True, default=fields.Date.context_today)
    dentist_ids = fields.Many2many(
        'res.users', string='Dentists', domain=dentist_domain, help='Leave empty for every dentist.'
    )
    chair_ids = fields.Many2many('dental.chair', string='Chairs', help='Leave empty for every chair.')
    line_ids = fields.One2many('dental.statistics.wizard.line', 'wizard_id', string='Chair Occupancy')

    @api.constrains('date_from', 'date_to')
    def _check_dates(self):
        for wizard in self:
            if wizard.date_to < wizard.date_from:
                raise UserError(_('The period must end after it starts.'))
            if wizard.date_to >= wizard.date_from + relativedelta(years=MAX_PERIOD_YEARS):
                raise UserError(
                    _(
                        'The statistics cover at most %(years)s years at a time: shorten the period, or compute '
                        'it in several parts.',
                        years=MAX_PERIOD_YEARS,
                    )
                )

    def _check_manager(self):
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(_('Only the clinic\'s managers see the period statistics.'))

    def _domain(self):
        self.ensure_one()
        domain = [('date', '>=', self.date_from), ('date', '<=', self.date_to)]
        if self.dentist_ids:
            domain.append(('dentist_id', 'in', self.dentist_ids.ids))
        if self.chair_ids:
            domain.append(('chair_id', 'in', self.chair_ids.ids))
        return domain

    def action_compute_occupancy(self):
        """Fill the occupancy lines of the period and show them."""
        self.ensure_one()
        self._check_manager()
        chairs = self.chair_ids or self.env['dental.chair'].search([])
        occupancy = self.env['dental.chair.occupancy']._get_occupancy(self.date_from, self.date_to, chairs)
        self.line_ids = [Command.clear()] + [
            Command.create(
                {
                    'chair_id': row['chair'].id,
                    'available_minutes': row['available_minutes'],
                    'booked_minutes': row['booked_minutes'],
                    'used_minutes': row['used_minutes'],
                    'booked_rate': row['booked_rate'],
                    'used_rate': row['used_rate'],
                }
            )
            for row in occupancy
        ]
        return {
            'type': 'ir.actions.act_window',
            'res_model': self._name,
            'res_id': self.id,
            'view_mode': 'form',
            'target': 'new',
            'name': _('Period Statistics'),
        }

    def action_print(self):
        self.ensure_one()
        self._check_manager()
        return self.env.ref('dental_clinic.action_report_period_statistics').report_action(self)

    def _get_statistics(self):
        """Every figure of the period report, from a handful of grouped queries."""
        self.ensure_one()
        self._check_manager()
        Report = self.env['dental.appointment.report']
        domain = self._domain()
        by_state = dict(Report._read_group(domain, ['state'], ['__count']))
        states = dict(self.env['dental.appointment']._fields['state']._description_selection(self.env))
        total = sum(by_state.values())
        by_dentist = Report._read_group(
            domain,
            ['dentist_id'],
            [
                '__count',
                'visit_count:sum',
                'no_show_count:sum',
                'expected_count:sum',
                'late_cancel_count:sum',
                'new_patient_count:sum',
                'booked_minutes:sum',
                'done_minutes:sum',
            ],
        )
        dentists = [
            {
                'dentist': dentist,
                'count': count,
                'visits': visits,
                'no_shows': no_shows,
                'no_show_rate': 100.0 * no_shows / expected if expected else 0.0,
                'expected': expected,
                'late_cancellations': late,
                'new_patients': new,
                'booked_minutes': booked or 0.0,
                'done_minutes': done or 0.0,
            }
            for dentist, count, visits, no_shows, expected, late, new, booked, done in by_dentist
        ]
        no_shows = sum(row['no_shows'] for row in dentists)
        expected = sum(row['expected'] for row in dentists)
        treatment_domain = [
            ('state', '=', 'done'),
            ('date_done', '>=', self.date_from),
            ('date_done', '<=', self.date_to),
        ]
        if self.dentist_ids:
            treatment_domain.append(('dentist_id', 'in', self.dentist_ids.ids))
        treatments = self.env['dental.treatment.report']._read_group(
            treatment_domain, ['category', 'procedure_id'], ['done_count:sum'], order='done_count:sum desc'
        )
        categories = dict(self.env['dental.treatment.report']._fields['category']._description_selection(self.env))
        chairs = self.chair_ids or self.env['dental.chair'].search([])
        return {
            'total': total,
            'states': [
                (states[state], count)
                for state, count in sorted(by_state.items(), key=lambda item: list(states).index(item[0]))
            ],
            'visits': sum(row['visits'] for row in dentists),
            'no_shows': no_shows,
            'no_show_rate': 100.0 * no_shows / expected if expected else 0.0,
            'late_cancellations': sum(row['late_cancellations'] for row in dentists),
            'new_patients': sum(row['new_patients'] for row in dentists),
            'dentists': dentists,
            'treatments': [
                {'category': categories.get(category, ''), 'procedure': procedure, 'count': count}
                for category, procedure, count in treatments
            ],
            'occupancy': self.env['dental.chair.occupancy']._get_occupancy(self.date_from, self.date_to, chairs),
            'days': (self.date_to - self.date_from + timedelta(days=1)).days,
        }


class DentalStatisticsWizardLine(models.TransientModel):
    _name = 'dental.statistics.wizard.line'
    _description = 'Chair Occupancy Line'
    _inherit = ['dental.wizard.guard']
    _order = 'id'

    wizard_id = fields.Many2one('dental.statistics.wizard', required=True, ondelete='cascade')
    chair_id = fields.Many2one('dental.chair', readonly=True)
    available_minutes = fields.Float(string='Working Minutes', readonly=True)
    booked_minutes = fields.Float(readonly=True)
    used_minutes = fields.Float(readonly=True)
    booked_rate = fields.Float(string='Booked (%)', readonly=True)
    used_rate = fields.Float(string='Used (%)', readonly=True)
