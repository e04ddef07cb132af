from . import test_patient
from . import test_access
from . import test_appointment
