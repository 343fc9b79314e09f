"""Every domain's tables on one MetaData, for migrations."""

from server.auth import models as _auth  # noqa: F401
from server.db.base import Base
from server.mail import models as _mail  # noqa: F401
from server.subscriptions import models as _subscriptions  # noqa: F401

metadata = Base.metadata
