from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL

from .dental_tooth_condition import TOOTH_CONDITION_TYPES

PROCEDURE_CATEGORIES = [
    ('diagnosis', 'Diagnosis'),
    ('prevention', 'Prevention'),
    ('restorative', 'Restorative Dentistry'),
    ('endodontics', 'Endodontics'),
    ('periodontics', 'Periodontics'),
    ('surgery', 'Oral Surgery'),
    ('prosthodontics', 'Prosthodontics'),
    ('implantology', 'Implantology'),
    ('orthodontics', 'Orthodontics'),
    ('aesthetics', 'Aesthetic Dentistry'),
    ('pediatrics', 'Pediatric Dentistry'),
    ('other', 'Other'),
]


class DentalProcedure(models.Model):
    """Catalogue of what the clinic does; treatments and appointments pick from it."""

    _name = 'dental.procedure'
    _description = 'Dental Procedure'
    _inherit = ['dental.field.guard']
    _order = 'category, sequence, name'

    name = fields.Char(required=True, translate=True)
    code = fields.Char(string='Internal Code')
    tuss_code = fields.Char(
        string='TUSS Code', help='Code of the procedure in the TUSS table of the ANS, used by dental plans.'
    )
    sequence = fields.Integer(default=10)
    category = fields.Selection(PROCEDURE_CATEGORIES, required=True, default='other')
    # No sum in grouped lists: adding up default durations of a catalogue means nothing.
    duration = fields.Float(
        string='Default Duration', default=0.5, aggregator=None, help='Chair time in hours the procedure usually needs.'
    )
    requires_tooth = fields.Boolean(string='Needs a Tooth', help='Treatments with this procedure must name the tooth.')
    requires_surface = fields.Boolean(
        string='Needs Surfaces', help='Treatments with this procedure must name the treated surfaces.'
    )
    surface_count = fields.Integer(
        string='Surfaces Needed',
        help='How many surfaces a treatment with this procedure names (2 for a two-surface restoration); '
        '0 when any number will do.',
    )
    recall_months = fields.Integer(
        string='Recall (months)', help='Invite the patient back this many months after the procedure; 0 for never.'
    )
    result_condition = fields.Selection(
        TOOTH_CONDITION_TYPES,
        string='Resulting Finding',
        help='What the odontogram shows on the tooth once a treatment with this procedure is done '
        '(e.g. restored after a restoration, missing after an extraction).',
    )
    description = fields.Text()
    active = fields.Boolean(default=True)
    company_id = fields.Many2one('res.company', help='Leave empty to share the procedure between companies.')

    _sql_constraints = [
        ('duration_positive', 'CHECK (duration >= 0)', 'The duration of a procedure cannot be negative.'),
        ('recall_positive', 'CHECK (recall_months >= 0)', 'The recall interval cannot be negative.'),
    ]

    def init(self):
        super().init()
        # A shared procedure (no company) has an empty company_id, which a plain UNIQUE ignores.
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS dental_procedure_code_shared_company_uniq "
                "ON dental_procedure (code, COALESCE(company_id, 0)) WHERE code IS NOT NULL"
            )
        )

    @api.depends('code')
    def _compute_display_name(self):
        for procedure in self:
            procedure.display_name = f'[{procedure.code}] {procedure.name}' if procedure.code else procedure.name

    @api.model
    def _search_display_name(self, operator, value):
        domain = super()._search_display_name(operator, value)
        if operator in ('ilike', '=ilike', '=', 'like') and isinstance(value, str) and value:
            domain = expression.OR([domain, [('code', operator, value)], [('tuss_code', operator, value)]])
        return domain

    @api.constrains('surface_count', 'requires_surface')
    def _check_surface_count(self):
        for procedure in self:
            if procedure.surface_count and (procedure.surface_count > 5 or not procedure.requires_surface):
                raise ValidationError(
                    _(
                        'The procedure %s: a number of surfaces (1 to 5) only makes sense when it needs surfaces.',
                        procedure.name,
                    )
                )
            if procedure.surface_count < 0:
                raise ValidationError(_('The number of surfaces of %s cannot be negative.', procedure.name))

    @api.constrains('requires_tooth', 'requires_surface')
    def _check_surface_needs_tooth(self):
        for procedure in self:
            if procedure.requires_surface and not procedure.requires_tooth:
                raise ValidationError(
                    _('The procedure %s needs surfaces, so it must also need a tooth.', procedure.name)
                )

    @api.model_create_multi
    def create(self, vals_list):
        self._dental_check_client_values('create', vals_list)
        self.browse()._check_code_free(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._dental_check_client_values('write', [vals])
        if 'code' in vals or 'company_id' in vals:
            for procedure in self:
                procedure._check_code_free([vals])
        return super().write(vals)

    def _check_code_free(self, vals_list):
        """Say which code is taken, before the unique index refuses it without a name."""
        keys = [
            (vals.get('code', self.code), vals.get('company_id', self.company_id.id) or False) for vals in vals_list
        ]
        keys = [key for key in keys if key[0]]
        if not keys:
            return
        others = (
            self.with_context(active_test=False)
            .sudo()
            .search([('code', 'in', [code for code, _company in keys]), ('id', 'not in', self.ids)])
        )
        taken = {(other.code, other.company_id.id or False) for other in others}
        for key in keys:
            if key in taken:
                raise ValidationError(_('Another procedure already has the code %s.', key[0]))
            taken.add(key)

    def action_chart_on_appointment(self):
        """Row button of an appointment's "Procedures to Chart": a treatment form for this procedure there."""
        self.ensure_one()
        appointment = self.env['dental.appointment'].browse(self.env.context.get('dental_appointment_id')).exists()
        if not appointment:
            raise UserError(_('Save the appointment before charting its procedures.'))
        return appointment._action_new_treatment(procedure=self)
