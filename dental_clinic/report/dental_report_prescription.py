from odoo import models


class ReportPrescription(models.AbstractModel):
    _name = 'report.dental_clinic.report_prescription'
    _inherit = 'dental.signed.document.report'
    _description = 'Prescription Report'
    _dental_document_model = 'dental.prescription'


class ReportPrescriptionA5(models.AbstractModel):
    _name = 'report.dental_clinic.report_prescription_a5'
    _inherit = 'dental.signed.document.report'
    _description = 'Prescription Report (A5)'
    _dental_document_model = 'dental.prescription'
