from . import dental_condition
from . import dental_patient
from . import dental_chair
from . import dental_appointment
from . import calendar_event
from . import res_company
from . import res_config_settings
