from . import dental_appointment_cancel
from . import dental_appointment_reschedule
from . import dental_slot_finder
from . import dental_settings
