from odoo import models


class ReportCertificate(models.AbstractModel):
    _name = 'report.dental_clinic.report_certificate'
    _inherit = 'dental.signed.document.report'
    _description = 'Certificate Report'
    _dental_document_model = 'dental.certificate'
