from . import sms_template
from . import dental_reminder_rule
from . import dental_reminder
from . import dental_recall
from . import dental_waitlist_offer
from . import dental_waitlist
