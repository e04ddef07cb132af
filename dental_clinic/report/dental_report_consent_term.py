from odoo import models


class ReportConsentTerm(models.AbstractModel):
    """The consent term: once signed, printed from what was sealed (a reprint is identical)."""

    _name = 'report.dental_clinic.report_consent_term'
    _inherit = 'dental.signed.document.report'
    _description = 'Consent Term Report'
    _dental_document_model = 'dental.consent.term'


class ReportAnamnesisResponse(models.AbstractModel):
    """The anamnesis questionnaire as the patient answered and signed it."""

    _name = 'report.dental_clinic.report_anamnesis_response'
    _inherit = 'dental.signed.document.report'
    _description = 'Anamnesis Questionnaire Report'
    _dental_document_model = 'dental.anamnesis.response'


class ReportTreatmentPlanAcceptance(models.AbstractModel):
    """The treatment plan as the patient accepted and signed it."""

    _name = 'report.dental_clinic.report_treatment_plan_acceptance'
    _inherit = 'dental.signed.document.report'
    _description = 'Treatment Plan Acceptance Report'
    _dental_document_model = 'dental.treatment.plan.acceptance'
