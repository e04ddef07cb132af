from odoo import _, fields, models
from odoo.exceptions import ValidationError


class DentalPatientRecord(models.AbstractModel):
    """What every clinical record shares: one patient, and that patient's company.

    The company follows the patient so that the multi-company rules of the
    clinical models never disagree with the patient's own.
    """

    _name = 'dental.patient.record'
    _inherit = ['dental.field.guard']
    _description = 'Patient Clinical Record'
    _check_company_auto = True
    # A clinical record never moves to another patient: it is recorded again for the right one.
    _dental_create_only_fields = ('patient_id',)

    patient_id = fields.Many2one('dental.patient', required=True, index=True, ondelete='restrict', check_company=True)
    company_id = fields.Many2one(
        'res.company', string='Company', related='patient_id.company_id', store=True, index=True, precompute=True
    )

    def _check_same_patient(self, fname):
        """Refuse a link (appointment, plan, ...) to a record of another patient."""
        for record in self:
            linked = record[fname]
            if linked and linked.patient_id != record.patient_id:
                IrModel = self.env['ir.model'].sudo()
                raise ValidationError(
                    _(
                        '%(record)s of %(patient)s cannot be linked to %(linked)s of %(other)s.',
                        record=IrModel._get(record._name).name,
                        patient=record.patient_id.name,
                        linked=IrModel._get(linked._name).name,
                        other=linked.patient_id.name,
                    )
                )
