from . import dental_appointment_report
from . import dental_treatment_report
from . import dental_patient_frequency_report
from . import dental_report_patient_record
from . import dental_report_pdf
from . import dental_chair_occupancy
from . import dental_dashboard
from . import ir_actions_report
