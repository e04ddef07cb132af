from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .dental_field_guard import is_blank
from .dental_medicine import MEDICINE_USES

PRESCRIPTION_TYPES = [('simple', 'Simple'), ('special', 'Special Control')]
PAPER_FORMATS = [('a5', 'A5'), ('a4', 'A4')]
# What a line of a prescription says, in the order printed; the catalogue fills the same fields.
MEDICINE_FIELDS = ('name', 'concentration', 'pharmaceutical_form', 'quantity', 'posology', 'use')


class DentalPrescription(models.Model):
    """A prescription (receita) the dentist signs at the visit.

    Simple prescriptions print on A5 or A4; special control ones (Portaria SVS/MS 344/98) print on A4 in two
    copies (the pharmacy's and the patient's), with the buyer's and the supplier's blocks left blank for
    the pharmacy. The clinic's catalogue fills a line; the dentist writes every word of it: the software
    gives no dose advice and checks no interaction.
    """

    _name = 'dental.prescription'
    _inherit = ['dental.signed.document']
    _description = 'Prescription'
    _dental_line_fields = ('line_ids',)
    _dental_report_action = 'dental_clinic.action_report_prescription'

    prescription_type = fields.Selection(PRESCRIPTION_TYPES, string='Type', required=True, default='simple')
    paper_format = fields.Selection(
        PAPER_FORMATS,
        required=True,
        default='a5',
        help='Paper of a simple prescription; special control prescriptions print on A4, in two copies.',
    )
    line_ids = fields.One2many('dental.prescription.line', 'prescription_id', string='Medicines', copy=True)
    notes = fields.Text(string='Other Instructions', help='Printed under the medicines.')

    def _dental_document_content(self):
        content = super()._dental_document_content()
        content.update(
            prescription_type=self.prescription_type,
            paper_format=self.paper_format,
            notes=self.notes or '',
            lines=[line._dental_line_content() for line in self.line_ids],
        )
        return content

    def _dental_check_content(self):
        super()._dental_check_content()
        if not self.line_ids:
            raise ValidationError(_('Add at least one medicine before signing the prescription.'))
        for line in self.line_ids:
            if is_blank(line.name) or is_blank(line.posology):
                raise ValidationError(_('Each medicine of the prescription needs its name and how to take it.'))

    def _dental_history_summary(self, values):
        lines = values['content'].get('lines') or []
        return '; '.join(' '.join(filter(None, (line['name'], line['concentration']))) for line in lines)

    def action_print(self):
        """A5 or A4 as chosen; special control prescriptions always on A4."""
        self.check_access('read')
        a5 = self.filtered(lambda rx: rx.prescription_type == 'simple' and rx.paper_format == 'a5')
        if a5 and a5 == self:
            return self.env.ref('dental_clinic.action_report_prescription_a5').report_action(self)
        return self.env.ref(self._dental_report_action).report_action(self)


class DentalPrescriptionLine(models.Model):
    """A medicine of a prescription, as the dentist wrote it."""

    _name = 'dental.prescription.line'
    _inherit = ['dental.signed.document.line']
    _description = 'Prescription Line'
    _order = 'sequence, id'
    _dental_document_field = 'prescription_id'

    prescription_id = fields.Many2one('dental.prescription', required=True, index=True, ondelete='cascade')
    patient_id = fields.Many2one(related='prescription_id.patient_id', store=True, index=True)
    company_id = fields.Many2one(related='prescription_id.company_id', store=True)
    sequence = fields.Integer(default=10)
    medicine_id = fields.Many2one(
        'dental.medicine', string='From the Catalogue', help='Fills the line from the clinic\'s catalogue.'
    )
    name = fields.Char(string='Medicine', required=True)
    concentration = fields.Char()
    pharmaceutical_form = fields.Char(help='Tablet, capsule, mouthwash...')
    quantity = fields.Char(help='Quantity to dispense, e.g. "21 capsules" or "1 bottle".')
    posology = fields.Text(string='How to Take', required=True)
    use = fields.Selection(MEDICINE_USES, required=True, default='internal')

    @api.onchange('medicine_id')
    def _onchange_medicine_id(self):
        """Copy the catalogue's entry as text, to be edited freely on the line."""
        medicine = self.medicine_id
        if medicine:
            for fname in MEDICINE_FIELDS:
                self[fname] = medicine[fname]

    @api.model_create_multi
    def create(self, vals_list):
        self.env['dental.medicine']._dental_check_catalogue_values(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self.env['dental.medicine']._dental_check_catalogue_values([vals])
        return super().write(vals)

    def _dental_line_content(self):
        return {fname: self[fname] or '' for fname in MEDICINE_FIELDS}
