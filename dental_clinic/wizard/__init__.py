from . import dental_appointment_cancel
from . import dental_appointment_reschedule
from . import dental_slot_finder
from . import dental_patient_anonymize
from . import dental_patient_purge
from . import dental_statistics_wizard
from . import dental_agenda_wizard
from . import dental_settings
