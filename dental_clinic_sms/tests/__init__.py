from . import test_reminder_sms
from . import test_i18n
from . import test_reminder_sms_consent
from . import test_waitlist_offer_sms
