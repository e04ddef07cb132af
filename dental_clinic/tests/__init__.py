from . import test_patient
from . import test_access
from . import test_appointment
from . import test_appointment_access
from . import test_appointment_concurrency
from . import test_appointment_tour
